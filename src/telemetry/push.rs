//! The WebSocket push metrics (`ioc_push_*`), declared by [`super::Metrics::new`] on the
//! application's registry. Labels: stream `kind` (5 values), resync and drop `reason`s.

use prometheus::{Histogram, IntCounter, IntCounterVec, IntGauge, IntGaugeVec};

use super::declare::Declare;

/// Cheap to clone (every field is an `Arc` inside).
#[derive(Clone)]
pub struct PushMetrics {
    pub clients: IntGauge,
    pub pending: IntGauge,
    pub subscriptions: IntGaugeVec,
    pub messages: IntCounterVec,
    pub bytes: IntCounter,
    pub queue_frames: IntGauge,
    pub lagged: IntCounter,
    pub resynced: IntCounterVec,
    pub dropped: IntCounterVec,
    pub refused: IntCounter,
    pub client_errors: IntCounterVec,
    pub tick_seconds: Histogram,
}

/// Stream kinds (the `kind` label), plus `control` for hello, acks, errors and pongs.
pub const PUSH_KINDS: [&str; 6] = [
    "indicators",
    "kpi",
    "alerts",
    "sensor_status",
    "sensor",
    "control",
];
pub const RESYNC_REASONS: [&str; 4] = ["lagged", "resume_gap", "epoch_changed", "source_lagged"];
pub const DROP_REASONS: [&str; 4] = [
    "send_timeout",
    "heartbeat_timeout",
    "bad_messages",
    "frame_too_large",
];

impl PushMetrics {
    pub(super) fn declare(d: &Declare) -> Result<PushMetrics, prometheus::Error> {
        let m = PushMetrics {
            clients: d.gauge("ioc_push_clients", "WebSocket clients connected to /api/v1/stream")?,
            pending: d.gauge(
                "ioc_push_pending_clients",
                "WebSocket connections waiting to authenticate (push.max_pending), apart from ioc_push_clients",
            )?,
            subscriptions: d.gauges(
                "ioc_push_subscriptions",
                "Active stream subscriptions, by stream kind",
                &["kind"],
            )?,
            messages: d.counters(
                "ioc_push_messages_total",
                "WebSocket messages sent, by stream kind (control: hello, acks, errors, pongs)",
                &["kind"],
            )?,
            bytes: d.counter("ioc_push_bytes_total", "Bytes of WebSocket messages sent")?,
            queue_frames: d.gauge(
                "ioc_push_queue_frames",
                "Frames waiting in the per-connection queues, all connections together",
            )?,
            lagged: d.counter(
                "ioc_push_lagged_total",
                "Times a connection's queue was full and one of its streams was marked lagged",
            )?,
            resynced: d.counters(
                "ioc_push_resynced_total",
                "Snapshots sent in place of updates, by reason (lagged, resume_gap, epoch_changed, source_lagged)",
                &["reason"],
            )?,
            dropped: d.counters(
                "ioc_push_dropped_clients_total",
                "Connections closed by the server, by reason (send_timeout, heartbeat_timeout, bad_messages, frame_too_large)",
                &["reason"],
            )?,
            refused: d.counter(
                "ioc_push_refused_connections_total",
                "WebSocket upgrades refused because push.max_connections (or, unauthenticated, push.max_pending) were open",
            )?,
            client_errors: d.counters(
                "ioc_push_client_errors_total",
                "Client messages answered with an error frame, by error code",
                &["code"],
            )?,
            tick_seconds: d.histogram(
                "ioc_push_tick_duration_seconds",
                "Time the push producer takes per tick (read the live state, compute, publish)",
                &[1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1],
            )?,
        };
        for k in PUSH_KINDS {
            m.messages.with_label_values(&[k]);
        }
        for k in &PUSH_KINDS[..5] {
            m.subscriptions.with_label_values(&[k]);
        }
        for r in RESYNC_REASONS {
            m.resynced.with_label_values(&[r]);
        }
        for r in DROP_REASONS {
            m.dropped.with_label_values(&[r]);
        }
        Ok(m)
    }
}
