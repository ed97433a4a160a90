//! `ioc import`: history from files into the store, as if it had arrived live.
//!
//! ```text
//! file ─lines─► parse.rs ─topic, payload─► pipeline::Validator ─readings─► store (write_marked)
//!               JSONL as ioc-sim records,  the live decoder and          batches, each with
//!               CSV, line protocol         admission of sensors          its file mark
//! ```
//!
//! Every line becomes the MQTT message it stands for and passes the live decoder, so an
//! imported reading is stored, rolled up and rejected exactly as a live one; indicator history
//! and reports read the rollups, so they follow. No alert is evaluated and the live state is
//! not touched: a running ioc would hold the store's writer lock, so import runs while ioc is
//! stopped (the broker keeps live messages for ioc's session meanwhile).
//!
//! Resumable: each batch commits with a mark of how far its file was read (`ImportMark`); a
//! second run goes on from there, skips finished files, and starts over a file that changed
//! (what is already stored then counts as duplicates). Blocking throughout: call it from a
//! plain thread, never from an async executor.

mod file;
mod lp;
mod parse;
mod progress;
mod tally;

use std::path::{Path, PathBuf};

pub use file::{FileReport, Importer, Resumed, NOT_OWNED};
pub use parse::{Precision, MALFORMED_LINE, UNKNOWN_SENSOR};
pub use tally::{Rejected, Tally};

use crate::store::StoreError;

/// The formats `ioc import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `{"at_ms", "topic", "payload"}` lines, as `ioc-sim record` writes them.
    Jsonl,
    /// `sensor,metric,ts,value` rows (a header row naming them may order them otherwise).
    Csv,
    /// InfluxDB line protocol, `domain,district=…,sensor=… metric=value,… time`.
    Lp,
}

impl Format {
    /// The format a file's extension names: `.jsonl`/`.ndjson`, `.csv`, `.lp`/`.line`.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "lp" | "line" => Some(Format::Lp),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The format of every file; `None` tells it from each file's extension.
    pub format: Option<Format>,
    /// Line-protocol timestamps' unit.
    pub precision: Precision,
    /// Imports files again that an earlier run finished.
    pub again: bool,
    /// Draws the progress bar on standard error.
    pub progress: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {cause}")]
    Read {
        file: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot tell the format of {file} from its name; pass --format jsonl, csv or lp")]
    UnknownFormat { file: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests;
