//! `[log]`: what is logged and how (documented in `config/default.toml`).

use serde::Deserialize;

/// How each log line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for a log shipper.
    Json,
}

impl LogFormat {
    /// The values `log.format` accepts, as written in the file.
    pub const CHOICES: &'static [&'static str] = &["text", "json"];
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info,ioc=debug`; `RUST_LOG` wins when set.
    pub filter: String,
    pub format: LogFormat,
}
