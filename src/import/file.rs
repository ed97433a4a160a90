//! The import's shell: files read line by line, readings written in batches, each batch with
//! its file's mark.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::parse::{Line, Parser};
use super::progress::Progress;
use super::tally::Tally;
use super::{Format, ImportError, Options};
use crate::model::Reading;
use crate::pipeline::Validator;
use crate::store::{ImportMark, SqliteStore};

/// The reason an event line is left out of an import (only readings are imported).
const EVENT: &str = "event";

/// A reading of a district another partition owns.
pub const NOT_OWNED: &str = "not_owned";

/// Readings per transaction: large enough that the commit is a small share of the work.
const BATCH_READINGS: usize = 20_000;

pub struct Importer<'s> {
    store: &'s SqliteStore,
    validator: Validator,
    options: Options,
    now_ms: i64,
    /// A partition's districts, by index: readings of the others are refused (`not_owned`).
    owned: Option<Vec<bool>>,
}

/// How a file's import began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumed {
    /// From its first line.
    Fresh,
    /// From the line after `lines`, where an interrupted import stopped.
    After { lines: u64 },
    /// Not at all: an earlier import finished it (`--again` imports it anew).
    AlreadyDone,
    /// From its first line again, since it changed after an earlier import.
    Changed,
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: PathBuf,
    pub resumed: Resumed,
    /// The whole file's counts, earlier runs' included.
    pub tally: Tally,
}

/// The file as it is now, and the mark an earlier import left on it.
struct Source {
    path: PathBuf,
    format: Format,
    mark: ImportMark,
    resumed: Resumed,
}

impl<'s> Importer<'s> {
    /// `now_ms` is when CSV and line-protocol rows count as received (a `ts` after it plus the
    /// decoder's skew is in the future). Learns where the store filed unregistered sensors.
    pub fn new(
        store: &'s SqliteStore,
        mut validator: Validator,
        options: Options,
        now_ms: i64,
    ) -> Result<Self, ImportError> {
        use crate::store::ReadingWriter;
        validator.remember_homes(&store.sensor_homes()?);
        Ok(Importer {
            store,
            validator,
            options,
            now_ms,
            owned: None,
        })
    }

    /// Refuses readings of districts outside `owned` (by district index), as a partition's
    /// subscriptions do live.
    pub fn only_districts(mut self, owned: Vec<bool>) -> Self {
        self.owned = Some(owned);
        self
    }

    /// Imports `files` in order, then makes the store durable; `done` hears of each file as it
    /// ends.
    pub fn run(
        &mut self,
        files: &[PathBuf],
        mut done: impl FnMut(&FileReport),
    ) -> Result<Vec<FileReport>, ImportError> {
        let sources = files
            .iter()
            .map(|f| self.source(f))
            .collect::<Result<Vec<_>, _>>()?;
        let total = sources.iter().map(|s| s.mark.size - s.mark.offset).sum();
        let mut progress = Progress::new(total, self.options.progress);
        let mut reports = Vec::new();
        for source in sources {
            let report = self.import(source, &mut progress)?;
            done(&report);
            reports.push(report);
        }
        progress.finish();
        use crate::store::ReadingWriter;
        self.store.flush_rollups()?;
        self.store.sync()?;
        Ok(reports)
    }

    fn source(&self, path: &Path) -> Result<Source, ImportError> {
        let read = |cause| ImportError::Read {
            file: path.to_owned(),
            cause,
        };
        let format = match self.options.format {
            Some(f) => f,
            None => Format::of(path).ok_or_else(|| ImportError::UnknownFormat {
                file: path.to_owned(),
            })?,
        };
        let canonical = std::fs::canonicalize(path).map_err(read)?;
        let meta = std::fs::metadata(&canonical).map_err(read)?;
        let now = ImportMark {
            file: canonical.to_string_lossy().into_owned(),
            size: meta.len(),
            modified_ms: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as i64),
            rejections: "{}".into(),
            ..ImportMark::default()
        };
        let (mark, resumed) = match self.store.import_mark(&now.file)? {
            Some(m) if m.size != now.size || m.modified_ms != now.modified_ms => {
                (now, Resumed::Changed)
            }
            Some(m) if m.done && !self.options.again => {
                let mark = ImportMark {
                    offset: m.size,
                    ..m
                };
                (mark, Resumed::AlreadyDone)
            }
            Some(m) if !m.done => {
                let lines = m.lines;
                (m, Resumed::After { lines })
            }
            _ => (now, Resumed::Fresh),
        };
        Ok(Source {
            path: path.to_owned(),
            format,
            mark,
            resumed,
        })
    }

    fn import(
        &mut self,
        source: Source,
        progress: &mut Progress,
    ) -> Result<FileReport, ImportError> {
        let Source {
            path,
            format,
            mut mark,
            resumed,
        } = source;
        let mut tally = Tally {
            lines: mark.lines,
            stored: mark.stored,
            duplicates: mark.duplicates,
            rejections: Tally::rejections_from(&mark.rejections),
        };
        if resumed == Resumed::AlreadyDone {
            return Ok(FileReport {
                file: path,
                resumed,
                tally,
            });
        }
        let read = |cause| ImportError::Read {
            file: path.clone(),
            cause,
        };
        let mut file = File::open(&path).map_err(read)?;
        let mut parser = Parser::new(format, self.options.precision, self.now_ms);
        if format == Format::Csv && mark.offset > 0 {
            header_of(&mut file, &mut parser).map_err(read)?;
        }
        file.seek(SeekFrom::Start(mark.offset)).map_err(read)?;
        let mut lines = BufReader::with_capacity(1 << 20, file);
        let mut batch: Vec<Reading> = Vec::with_capacity(BATCH_READINGS);
        let mut text = Vec::new();
        let shown = path.display().to_string();
        loop {
            text.clear();
            let n = lines.read_until(b'\n', &mut text).map_err(read)?;
            if n == 0 {
                break;
            }
            mark.offset += n as u64;
            tally.lines += 1;
            let at = tally.lines;
            let line = String::from_utf8_lossy(&text);
            self.line(
                parser.line(&line, &self.validator),
                &mut batch,
                &mut tally,
                || format!("{shown}:{at}"),
            );
            if batch.len() >= BATCH_READINGS {
                let stored = self.commit(&mut batch, &mut mark, &mut tally, false)?;
                progress.advance(0, stored);
            }
            progress.advance(n as u64, 0);
        }
        let stored = self.commit(&mut batch, &mut mark, &mut tally, true)?;
        progress.advance(0, stored);
        Ok(FileReport {
            file: path,
            resumed,
            tally,
        })
    }

    fn line(
        &mut self,
        line: Line,
        batch: &mut Vec<Reading>,
        tally: &mut Tally,
        at: impl Fn() -> String,
    ) {
        match line {
            Line::Skip => {}
            Line::Bad { reason, detail } => tally.reject(reason, || format!("{}: {detail}", at())),
            Line::Message {
                topic,
                payload,
                received_ms,
            } => {
                if self.validator.event_topic(&topic).is_some() {
                    tally.reject(EVENT, || {
                        format!("{}: an event, not a reading: replay it to the broker (ioc-sim replay) or POST it to /api/v1/events while ioc runs", at())
                    });
                    return;
                }
                let decoded = self.validator.decode(&topic, &payload, received_ms);
                for r in &decoded.rejections {
                    tally.reject(r.reason.as_str(), || format!("{}: {}", at(), r.detail));
                }
                let theirs = |r: &Reading| {
                    let owned = self.owned.as_ref();
                    owned.is_some_and(|o| !o.get(r.district.0 as usize).copied().unwrap_or(false))
                };
                match decoded.readings.first() {
                    Some(r) if theirs(r) => {
                        let district = &self.validator.city().district(r.district).id;
                        tally.reject(NOT_OWNED, || {
                            format!("{}: district {district:?} belongs to another partition; import it on a node that owns it", at())
                        });
                    }
                    _ => batch.extend(decoded.readings),
                }
            }
        }
    }

    /// Writes the batch with the mark it brings the file to; returns the readings stored.
    fn commit(
        &mut self,
        batch: &mut Vec<Reading>,
        mark: &mut ImportMark,
        tally: &mut Tally,
        done: bool,
    ) -> Result<u64, ImportError> {
        let written = batch.len() as u64;
        let mut next = mark.clone();
        let report = self.store.write_marked(batch, |report| {
            let duplicates = report.duplicates() as u64;
            next = ImportMark {
                lines: tally.lines,
                stored: tally.stored + written - duplicates,
                duplicates: tally.duplicates + duplicates,
                rejections: tally.rejections_json(),
                done,
                ..mark.clone()
            };
            next.clone()
        })?;
        let duplicates = report.duplicates() as u64;
        tally.stored += written - duplicates;
        tally.duplicates += duplicates;
        *mark = next;
        batch.clear();
        Ok(written - duplicates)
    }
}

/// Gives `parser` the CSV header of a file an import resumes in: its first row that is not
/// blank or a comment.
fn header_of(file: &mut File, parser: &mut Parser) -> std::io::Result<()> {
    let mut lines = BufReader::new(&mut *file);
    let mut text = String::new();
    while lines.read_line(&mut text)? > 0 {
        let row = text.trim();
        if !row.is_empty() && !row.starts_with('#') {
            parser.header(row);
            break;
        }
        text.clear();
    }
    Ok(())
}
