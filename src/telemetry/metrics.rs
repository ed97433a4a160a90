//! Every Prometheus metric `ioc` exports, with its help text. Names follow
//! `ioc_<stage>_<noun>_<unit>[_total]`; labels come from small bounded sets only (domain names
//! from config, rejection reasons, outcomes, route templates) — never sensor ids or raw paths.

use prometheus::{Encoder, Registry, TextEncoder};

use super::declare::Declare;
use super::push::PushMetrics;
use super::stages::{
    ExportMetrics, HttpMetrics, IngestMetrics, MqttMetrics, SnapshotMetrics, StoreMetrics,
};

/// One registry per application instance, so parallel tests never share counters. Each
/// stage takes its own part.
pub struct Metrics {
    registry: Registry,
    pub ingest: IngestMetrics,
    pub mqtt: MqttMetrics,
    pub http: HttpMetrics,
    pub store: StoreMetrics,
    pub export: ExportMetrics,
    /// Alert notifications (`ioc_notify_*`), declared in `notify.rs`.
    pub notify: super::NotifyMetrics,
    /// Events from citizens and cameras (`ioc_events_*`), declared in `events.rs`.
    pub events: super::EventMetrics,
    /// WebSocket push (`ioc_push_*`), declared in `push.rs`.
    pub push: PushMetrics,
    pub snapshot: SnapshotMetrics,
}

/// Label used for messages whose topic names no known domain.
pub const UNKNOWN_DOMAIN: &str = "unknown";

impl Metrics {
    /// Declares and registers every metric. `domains` pre-creates the per-domain series so a
    /// dashboard shows zeros, not gaps, before the first message.
    pub fn new(domains: &[String]) -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let d = Declare(&registry);
        Ok(Metrics {
            ingest: IngestMetrics::declare(&d, domains)?,
            mqtt: MqttMetrics::declare(&d)?,
            http: HttpMetrics::declare(&d)?,
            store: StoreMetrics::declare(&d)?,
            export: ExportMetrics::declare(&d)?,
            notify: super::NotifyMetrics::declare(&d)?,
            events: super::EventMetrics::declare(&d)?,
            push: PushMetrics::declare(&d)?,
            snapshot: SnapshotMetrics::declare(&d)?,
            registry,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The `domain` label for a message: its domain's name, or `unknown` when the topic named none.
pub fn metrics_domain_label(
    city: &crate::model::City,
    domain: Option<crate::model::DomainIdx>,
) -> &str {
    domain.map_or(UNKNOWN_DOMAIN, |d| city.domain(d).name.as_str())
}
