//! Logs and metrics. Every Prometheus metric is declared in `metrics.rs`.

mod logging;
mod metrics;

pub use logging::init_logging;
pub use metrics::{metrics_domain_label, Metrics, UNKNOWN_DOMAIN};
