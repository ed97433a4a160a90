//! The metrics of each stage: ingest (decode), the MQTT connection, HTTP, the store and the
//! export. Each stage holds its own struct (cheap to clone: every field is an `Arc` inside).
//! Label values come from small bounded sets; every series a dashboard plots is created at
//! startup, so it shows zeros rather than gaps.

use prometheus::{Gauge, Histogram, HistogramVec, IntCounter, IntCounterVec, IntGauge};

use super::declare::Declare;
use super::UNKNOWN_DOMAIN;
use crate::model::{Outcome, Reason};

type Result<T> = std::result::Result<T, prometheus::Error>;

/// Buckets of the store's commit and sync durations (seconds): 0.1 ms to 1 s.
const STORE_SECONDS: [f64; 11] = [
    1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.5, 1.0,
];

/// `ioc_ingest_*`: what the decode stage accepted and rejected.
#[derive(Clone)]
pub struct IngestMetrics {
    pub messages: IntCounterVec,
    pub readings: IntCounterVec,
    pub rejections: IntCounterVec,
    pub decode_seconds: Histogram,
    pub queue_messages: IntGauge,
    pub unregistered_sensors: IntGauge,
}

impl IngestMetrics {
    /// `domains`: the city's domain names, whose series are created up front.
    pub(super) fn declare(d: &Declare, domains: &[String]) -> Result<IngestMetrics> {
        let m = IngestMetrics {
            messages: d.counters(
                "ioc_ingest_messages_total",
                "MQTT messages ingested, by domain and outcome (accepted, partial, rejected)",
                &["domain", "outcome"],
            )?,
            readings: d.counters(
                "ioc_ingest_readings_total",
                "Readings (one metric of one sensor at one time) accepted, by domain",
                &["domain"],
            )?,
            rejections: d.counters(
                "ioc_ingest_rejections_total",
                "Rejected messages, records or fields, by reason",
                &["reason"],
            )?,
            decode_seconds: d.histogram(
                "ioc_ingest_decode_duration_seconds",
                "Time to decode, validate and aggregate one MQTT message",
                &[1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2],
            )?,
            queue_messages: d.gauge(
                "ioc_ingest_queue_messages",
                "Messages waiting between the MQTT event loop and the decoder",
            )?,
            unregistered_sensors: d.gauge(
                "ioc_ingest_unregistered_sensors",
                "Sensors seen on MQTT that are missing from the city registry",
            )?,
        };
        for domain in domains.iter().map(String::as_str).chain([UNKNOWN_DOMAIN]) {
            for outcome in Outcome::ALL {
                m.messages.with_label_values(&[domain, outcome.as_str()]);
            }
            m.readings.with_label_values(&[domain]);
        }
        for reason in Reason::ALL {
            m.rejections.with_label_values(&[reason.as_str()]);
        }
        Ok(m)
    }
}

/// `ioc_mqtt_*`: the broker connection.
#[derive(Clone)]
pub struct MqttMetrics {
    pub connected: IntGauge,
    pub reconnects: IntCounter,
    pub connection_errors: IntCounter,
}

impl MqttMetrics {
    pub(super) fn declare(d: &Declare) -> Result<MqttMetrics> {
        Ok(MqttMetrics {
            connected: d.gauge(
                "ioc_mqtt_connected",
                "1 while connected to the MQTT broker, else 0",
            )?,
            reconnects: d.counter(
                "ioc_mqtt_reconnects_total",
                "Successful reconnections to the MQTT broker after a lost connection",
            )?,
            connection_errors: d.counter(
                "ioc_mqtt_connection_errors_total",
                "MQTT connection failures (each followed by a backoff delay)",
            )?,
        })
    }
}

/// `ioc_http_*`: requests by route template (never the raw path).
#[derive(Clone)]
pub struct HttpMetrics {
    pub requests: IntCounterVec,
    pub request_seconds: HistogramVec,
}

impl HttpMetrics {
    pub(super) fn declare(d: &Declare) -> Result<HttpMetrics> {
        Ok(HttpMetrics {
            requests: d.counters(
                "ioc_http_requests_total",
                "HTTP requests by route template, method and status",
                &["route", "method", "status"],
            )?,
            request_seconds: d.histograms(
                "ioc_http_request_duration_seconds",
                "HTTP request latency by route template",
                &[1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1.0],
                &["route"],
            )?,
        })
    }
}

/// `ioc_store_*`: commits, syncs and retention.
#[derive(Clone)]
pub struct StoreMetrics {
    pub readings: IntCounterVec,
    pub write_seconds: Histogram,
    pub batch_readings: Histogram,
    pub write_errors: IntCounter,
    pub up: IntGauge,
    pub sync_seconds: Histogram,
    pub sync_failed: IntGauge,
    pub retention_deleted: IntCounterVec,
}

impl StoreMetrics {
    pub(super) fn declare(d: &Declare) -> Result<StoreMetrics> {
        let m = StoreMetrics {
            readings: d.counters(
                "ioc_store_readings_total",
                "Readings written to the store: stored, or duplicate (already stored, skipped)",
                &["result"],
            )?,
            write_seconds: d.histogram(
                "ioc_store_write_duration_seconds",
                "Time to commit one batch (before its sync)",
                &STORE_SECONDS,
            )?,
            batch_readings: d.histogram(
                "ioc_store_batch_readings",
                "Readings per committed batch",
                &[1.0, 10.0, 100.0, 1000.0, 5000.0, 20000.0, 100000.0],
            )?,
            write_errors: d.counter(
                "ioc_store_write_errors_total",
                "Failed batch writes (each retried; ingest waits)",
            )?,
            up: d.gauge("ioc_store_up", "1 while the last store write succeeded")?,
            sync_seconds: d.histogram(
                "ioc_store_sync_duration_seconds",
                "Time to make the batches committed so far survive power loss (one fsync)",
                &STORE_SECONDS,
            )?,
            sync_failed: d.gauge(
                "ioc_store_sync_failed",
                "1 after an fsync of the store failed: nothing more is acknowledged until ioc restarts",
            )?,
            retention_deleted: d.counters(
                "ioc_store_retention_deleted_total",
                "Rows removed by retention, by table",
                &["table"],
            )?,
        };
        for result in ["stored", "duplicate"] {
            m.readings.with_label_values(&[result]);
        }
        for table in ["readings", "rollup_1m", "rollup_1h"] {
            m.retention_deleted.with_label_values(&[table]);
        }
        m.up.set(1);
        Ok(m)
    }
}

/// `ioc_export_*`: the InfluxDB sink and its outbox.
#[derive(Clone)]
pub struct ExportMetrics {
    pub lines: IntCounterVec,
    pub errors: IntCounter,
    pub outbox_lines: IntGauge,
    pub outbox_dropped: IntGauge,
    pub lag_seconds: Gauge,
}

impl ExportMetrics {
    pub(super) fn declare(d: &Declare) -> Result<ExportMetrics> {
        let m = ExportMetrics {
            lines: d.counters(
                "ioc_export_lines_total",
                "Line-protocol lines leaving the outbox: sent (accepted by InfluxDB) or rejected (refused as invalid, dropped)",
                &["result"],
            )?,
            errors: d.counter(
                "ioc_export_errors_total",
                "Failed InfluxDB write attempts (each retried with backoff)",
            )?,
            outbox_lines: d.gauge(
                "ioc_export_outbox_lines",
                "Lines waiting in the export outbox",
            )?,
            outbox_dropped: d.gauge(
                "ioc_export_outbox_dropped_lines",
                "Lines not enqueued since start because the outbox was full",
            )?,
            lag_seconds: d.gauge_f64(
                "ioc_export_lag_seconds",
                "Age of the oldest line waiting in the export outbox",
            )?,
        };
        for result in ["sent", "rejected"] {
            m.lines.with_label_values(&[result]);
        }
        Ok(m)
    }
}

/// `ioc_snapshot_*`: the incremental indicator snapshot built every tick.
#[derive(Clone)]
pub struct SnapshotMetrics {
    pub tick_seconds: Histogram,
    /// Sensors recomputed, by cause (`reading`, `time`).
    pub recomputed: IntCounterVec,
    /// From one tick's start to the next's (`snapshot::next_tick`).
    pub spacing_seconds: Gauge,
}

impl SnapshotMetrics {
    pub(super) fn declare(d: &Declare) -> Result<SnapshotMetrics> {
        let m = SnapshotMetrics {
            tick_seconds: d.histogram(
                "ioc_snapshot_tick_duration_seconds",
                "Time one snapshot tick takes: take the changed sensors, recompute them, their blocks, districts and the city",
                &[
                    1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            )?,
            recomputed: d.counters(
                "ioc_snapshot_sensors_recomputed_total",
                "Sensors the snapshot recomputed, by cause: a reading, or time alone (a status deadline, a value leaving a window)",
                &["cause"],
            )?,
            spacing_seconds: d.gauge_f64(
                "ioc_snapshot_tick_spacing_seconds",
                "From the last tick's start to the next's: push.min_interval_ms, or longer while ticks would take more than a quarter of the time (ingest flat out)",
            )?,
        };
        for cause in ["reading", "time"] {
            m.recomputed.with_label_values(&[cause]);
        }
        Ok(m)
    }
}
