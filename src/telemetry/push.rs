//! The WebSocket push metrics (`ioc_push_*`), registered by [`super::Metrics::new`] on the
//! application's registry. Labels: stream `kind` (5 values), resync and drop `reason`s.

use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

/// Cheap to clone (every field is an `Arc` inside).
#[derive(Clone)]
pub struct PushMetrics {
    pub clients: IntGauge,
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
    pub fn register(registry: &Registry) -> Result<PushMetrics, prometheus::Error> {
        let m = PushMetrics {
            clients: IntGauge::new("ioc_push_clients", "WebSocket clients connected to /api/v1/stream")?,
            subscriptions: IntGaugeVec::new(
                Opts::new("ioc_push_subscriptions", "Active stream subscriptions, by stream kind"),
                &["kind"],
            )?,
            messages: IntCounterVec::new(
                Opts::new(
                    "ioc_push_messages_total",
                    "WebSocket messages sent, by stream kind (control: hello, acks, errors, pongs)",
                ),
                &["kind"],
            )?,
            bytes: IntCounter::new("ioc_push_bytes_total", "Bytes of WebSocket messages sent")?,
            queue_frames: IntGauge::new(
                "ioc_push_queue_frames",
                "Frames waiting in the per-connection queues, all connections together",
            )?,
            lagged: IntCounter::new(
                "ioc_push_lagged_total",
                "Times a connection's queue was full and one of its streams was marked lagged",
            )?,
            resynced: IntCounterVec::new(
                Opts::new(
                    "ioc_push_resynced_total",
                    "Snapshots sent in place of updates, by reason (lagged, resume_gap, epoch_changed, source_lagged)",
                ),
                &["reason"],
            )?,
            dropped: IntCounterVec::new(
                Opts::new(
                    "ioc_push_dropped_clients_total",
                    "Connections closed by the server, by reason (send_timeout, heartbeat_timeout, bad_messages, frame_too_large)",
                ),
                &["reason"],
            )?,
            refused: IntCounter::new(
                "ioc_push_refused_connections_total",
                "WebSocket upgrades refused because push.max_connections were open",
            )?,
            client_errors: IntCounterVec::new(
                Opts::new(
                    "ioc_push_client_errors_total",
                    "Client messages answered with an error frame, by error code",
                ),
                &["code"],
            )?,
            tick_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "ioc_push_tick_duration_seconds",
                    "Time the push producer takes per tick (read the live state, compute, publish)",
                )
                .buckets(vec![1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1]),
            )?,
        };
        registry.register(Box::new(m.clients.clone()))?;
        registry.register(Box::new(m.subscriptions.clone()))?;
        registry.register(Box::new(m.messages.clone()))?;
        registry.register(Box::new(m.bytes.clone()))?;
        registry.register(Box::new(m.queue_frames.clone()))?;
        registry.register(Box::new(m.lagged.clone()))?;
        registry.register(Box::new(m.resynced.clone()))?;
        registry.register(Box::new(m.dropped.clone()))?;
        registry.register(Box::new(m.refused.clone()))?;
        registry.register(Box::new(m.client_errors.clone()))?;
        registry.register(Box::new(m.tick_seconds.clone()))?;
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
