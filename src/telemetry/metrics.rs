//! Every Prometheus metric `ioc` exports, with its help text. Names follow
//! `ioc_<stage>_<noun>_<unit>[_total]`; labels come from small bounded sets only (domain names
//! from config, rejection reasons, outcomes, route templates) — never sensor ids or raw paths.

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    Opts, Registry, TextEncoder,
};

use crate::model::{Outcome, Reason};

/// Buckets of the store's commit and sync durations (seconds): 0.1 ms to 1 s.
const STORE_SECONDS: [f64; 11] = [
    1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.5, 1.0,
];

/// One registry per application instance, so parallel tests never share counters.
pub struct Metrics {
    registry: Registry,
    pub ingest_messages: IntCounterVec,
    pub ingest_readings: IntCounterVec,
    pub ingest_rejections: IntCounterVec,
    pub ingest_decode_seconds: Histogram,
    pub ingest_queue_messages: IntGauge,
    pub ingest_unregistered_sensors: IntGauge,
    pub mqtt_connected: IntGauge,
    pub mqtt_reconnects: IntCounter,
    pub mqtt_connection_errors: IntCounter,
    pub http_requests: IntCounterVec,
    pub http_request_seconds: HistogramVec,
    pub store_readings: IntCounterVec,
    pub store_write_seconds: Histogram,
    pub store_batch_readings: Histogram,
    pub store_write_errors: IntCounter,
    pub store_up: IntGauge,
    pub store_sync_seconds: Histogram,
    pub store_sync_failed: IntGauge,
    pub store_retention_deleted: IntCounterVec,
    pub export_lines: IntCounterVec,
    pub export_errors: IntCounter,
    pub export_outbox_lines: IntGauge,
    pub export_outbox_dropped: IntGauge,
    pub export_lag_seconds: Gauge,
    /// WebSocket push (`ioc_push_*`), declared in `push.rs`.
    pub push: super::push::PushMetrics,
}

/// Label used for messages whose topic names no known domain.
pub const UNKNOWN_DOMAIN: &str = "unknown";

impl Metrics {
    /// Declares and registers every metric. `domains` pre-creates the per-domain series so a
    /// dashboard shows zeros, not gaps, before the first message.
    pub fn new(domains: &[String]) -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let ingest_messages = IntCounterVec::new(
            Opts::new(
                "ioc_ingest_messages_total",
                "MQTT messages ingested, by domain and outcome (accepted, partial, rejected)",
            ),
            &["domain", "outcome"],
        )?;
        let ingest_readings = IntCounterVec::new(
            Opts::new(
                "ioc_ingest_readings_total",
                "Readings (one metric of one sensor at one time) accepted, by domain",
            ),
            &["domain"],
        )?;
        let ingest_rejections = IntCounterVec::new(
            Opts::new(
                "ioc_ingest_rejections_total",
                "Rejected messages, records or fields, by reason",
            ),
            &["reason"],
        )?;
        let ingest_decode_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "ioc_ingest_decode_duration_seconds",
                "Time to decode, validate and aggregate one MQTT message",
            )
            .buckets(vec![1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2]),
        )?;
        let ingest_queue_messages = IntGauge::new(
            "ioc_ingest_queue_messages",
            "Messages waiting between the MQTT event loop and the decoder",
        )?;
        let ingest_unregistered_sensors = IntGauge::new(
            "ioc_ingest_unregistered_sensors",
            "Sensors seen on MQTT that are missing from the city registry",
        )?;
        let mqtt_connected = IntGauge::new(
            "ioc_mqtt_connected",
            "1 while connected to the MQTT broker, else 0",
        )?;
        let mqtt_reconnects = IntCounter::new(
            "ioc_mqtt_reconnects_total",
            "Successful reconnections to the MQTT broker after a lost connection",
        )?;
        let mqtt_connection_errors = IntCounter::new(
            "ioc_mqtt_connection_errors_total",
            "MQTT connection failures (each followed by a backoff delay)",
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "ioc_http_requests_total",
                "HTTP requests by route template, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let http_request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "ioc_http_request_duration_seconds",
                "HTTP request latency by route template",
            )
            .buckets(vec![1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1.0]),
            &["route"],
        )?;
        let store_readings = IntCounterVec::new(
            Opts::new(
                "ioc_store_readings_total",
                "Readings written to the store: stored, or duplicate (already stored, skipped)",
            ),
            &["result"],
        )?;
        let store_write_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "ioc_store_write_duration_seconds",
                "Time to commit one batch (before its sync)",
            )
            .buckets(STORE_SECONDS.to_vec()),
        )?;
        let store_batch_readings = Histogram::with_opts(
            HistogramOpts::new("ioc_store_batch_readings", "Readings per committed batch")
                .buckets(vec![1.0, 10.0, 100.0, 1000.0, 5000.0, 20000.0, 100000.0]),
        )?;
        let store_write_errors = IntCounter::new(
            "ioc_store_write_errors_total",
            "Failed batch writes (each retried; ingest waits)",
        )?;
        let store_up = IntGauge::new("ioc_store_up", "1 while the last store write succeeded")?;
        let store_sync_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "ioc_store_sync_duration_seconds",
                "Time to make the batches committed so far survive power loss (one fsync)",
            )
            .buckets(STORE_SECONDS.to_vec()),
        )?;
        let store_sync_failed = IntGauge::new(
            "ioc_store_sync_failed",
            "1 after an fsync of the store failed: nothing more is acknowledged until ioc restarts",
        )?;
        let store_retention_deleted = IntCounterVec::new(
            Opts::new(
                "ioc_store_retention_deleted_total",
                "Rows removed by retention, by table",
            ),
            &["table"],
        )?;
        let export_lines = IntCounterVec::new(
            Opts::new("ioc_export_lines_total", "Line-protocol lines leaving the outbox: sent (accepted by InfluxDB) or rejected (refused as invalid, dropped)"),
            &["result"],
        )?;
        let export_errors = IntCounter::new(
            "ioc_export_errors_total",
            "Failed InfluxDB write attempts (each retried with backoff)",
        )?;
        let export_outbox_lines = IntGauge::new(
            "ioc_export_outbox_lines",
            "Lines waiting in the export outbox",
        )?;
        let export_outbox_dropped = IntGauge::new(
            "ioc_export_outbox_dropped_lines",
            "Lines not enqueued since start because the outbox was full",
        )?;
        let export_lag_seconds = Gauge::new(
            "ioc_export_lag_seconds",
            "Age of the oldest line waiting in the export outbox",
        )?;
        let push = super::push::PushMetrics::register(&registry)?;
        registry.register(Box::new(export_lines.clone()))?;
        registry.register(Box::new(export_errors.clone()))?;
        registry.register(Box::new(export_outbox_lines.clone()))?;
        registry.register(Box::new(export_outbox_dropped.clone()))?;
        registry.register(Box::new(export_lag_seconds.clone()))?;
        registry.register(Box::new(store_readings.clone()))?;
        registry.register(Box::new(store_write_seconds.clone()))?;
        registry.register(Box::new(store_batch_readings.clone()))?;
        registry.register(Box::new(store_write_errors.clone()))?;
        registry.register(Box::new(store_up.clone()))?;
        registry.register(Box::new(store_sync_seconds.clone()))?;
        registry.register(Box::new(store_sync_failed.clone()))?;
        registry.register(Box::new(store_retention_deleted.clone()))?;
        registry.register(Box::new(ingest_messages.clone()))?;
        registry.register(Box::new(ingest_readings.clone()))?;
        registry.register(Box::new(ingest_rejections.clone()))?;
        registry.register(Box::new(ingest_decode_seconds.clone()))?;
        registry.register(Box::new(ingest_queue_messages.clone()))?;
        registry.register(Box::new(ingest_unregistered_sensors.clone()))?;
        registry.register(Box::new(mqtt_connected.clone()))?;
        registry.register(Box::new(mqtt_reconnects.clone()))?;
        registry.register(Box::new(mqtt_connection_errors.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_request_seconds.clone()))?;

        for domain in domains.iter().map(String::as_str).chain([UNKNOWN_DOMAIN]) {
            for outcome in Outcome::ALL {
                ingest_messages.with_label_values(&[domain, outcome.as_str()]);
            }
            ingest_readings.with_label_values(&[domain]);
        }
        for result in ["stored", "duplicate"] {
            store_readings.with_label_values(&[result]);
        }
        for table in ["readings", "rollup_1m", "rollup_1h"] {
            store_retention_deleted.with_label_values(&[table]);
        }
        store_up.set(1);
        for result in ["sent", "rejected"] {
            export_lines.with_label_values(&[result]);
        }
        for reason in Reason::ALL {
            ingest_rejections.with_label_values(&[reason.as_str()]);
        }
        Ok(Metrics {
            registry,
            ingest_messages,
            ingest_readings,
            ingest_rejections,
            ingest_decode_seconds,
            ingest_queue_messages,
            ingest_unregistered_sensors,
            mqtt_connected,
            mqtt_reconnects,
            mqtt_connection_errors,
            http_requests,
            http_request_seconds,
            store_readings,
            store_write_seconds,
            store_batch_readings,
            store_write_errors,
            store_up,
            store_sync_seconds,
            store_sync_failed,
            store_retention_deleted,
            export_lines,
            export_errors,
            export_outbox_lines,
            export_outbox_dropped,
            export_lag_seconds,
            push,
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
