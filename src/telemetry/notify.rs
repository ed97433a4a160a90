//! The notification metrics (`ioc_notify_*`), declared by [`super::Metrics::new`].

use prometheus::{IntCounterVec, IntGaugeVec};

use super::declare::Declare;

/// Cheap to clone (every field is an `Arc` inside).
#[derive(Clone)]
pub struct NotifyMetrics {
    /// Delivery attempts by `channel` and `result`: delivered or failed (retried).
    pub attempts: IntCounterVec,
    /// Deliveries waiting in the outbox, by `channel`.
    pub waiting: IntGaugeVec,
}

impl NotifyMetrics {
    pub(super) fn declare(d: &Declare) -> prometheus::Result<NotifyMetrics> {
        let m = NotifyMetrics {
            attempts: d.counters(
                "ioc_notify_attempts_total",
                "Notification delivery attempts per channel: delivered (a webhook's 2xx, an SMTP server's acceptance) or failed (retried with backoff)",
                &["channel", "result"],
            )?,
            waiting: d.gauges(
                "ioc_notify_outbox_waiting",
                "Notifications waiting in a channel's outbox to be delivered",
                &["channel"],
            )?,
        };
        Ok(m)
    }
}
