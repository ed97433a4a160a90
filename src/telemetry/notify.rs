//! The notification metrics (`ioc_notify_*`), declared by [`super::Metrics::new`].

use prometheus::{IntCounterVec, IntGauge};

use super::declare::Declare;

/// Cheap to clone (every field is an `Arc` inside).
#[derive(Clone)]
pub struct NotifyMetrics {
    /// Delivery attempts by `result`: delivered (a 2xx) or failed (retried).
    pub attempts: IntCounterVec,
    /// Deliveries waiting in the outbox.
    pub waiting: IntGauge,
}

impl NotifyMetrics {
    pub(super) fn declare(d: &Declare) -> prometheus::Result<NotifyMetrics> {
        let m = NotifyMetrics {
            attempts: d.counters(
                "ioc_notify_attempts_total",
                "Webhook delivery attempts: delivered (answered 2xx) or failed (retried with backoff)",
                &["result"],
            )?,
            waiting: d.gauge(
                "ioc_notify_outbox_waiting",
                "Notifications waiting in the outbox to be delivered",
            )?,
        };
        for result in ["delivered", "failed"] {
            m.attempts.with_label_values(&[result]);
        }
        Ok(m)
    }
}
