//! Logs and metrics. Every Prometheus metric is declared in `metrics.rs` (the WebSocket push
//! ones in `push.rs`, registered from there).

mod declare;
mod events;
mod logging;
mod metrics;
mod notify;
mod push;
mod settings;
mod stages;

pub use events::EventMetrics;
pub use logging::init_logging;
pub use metrics::{metrics_domain_label, Metrics, UNKNOWN_DOMAIN};
pub use notify::NotifyMetrics;
pub use push::PushMetrics;
pub use settings::{LogFormat, LogSettings};
pub use stages::{
    ExportMetrics, HttpMetrics, IngestMetrics, MqttMetrics, SnapshotMetrics, StoreMetrics,
};
