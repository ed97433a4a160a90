use tracing_subscriber::EnvFilter;

use super::{LogFormat, LogSettings};

/// Installs the global `tracing` subscriber. `RUST_LOG`, when set, wins over `log.filter`.
/// Calling it twice is harmless (tests build many applications in one process).
pub fn init_logging(log: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let _ = if log.format == LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
