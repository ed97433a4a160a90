//! The event metrics (`ioc_events_*`), declared by [`super::Metrics::new`].

use prometheus::IntCounterVec;

use super::declare::Declare;

/// Cheap to clone (every field is an `Arc` inside).
#[derive(Clone)]
pub struct EventMetrics {
    /// Events received by `via` (mqtt, http) and `result`: stored, duplicate, or the
    /// validator's reason (invalid_json, missing_field, invalid_field, unknown_district, …).
    pub received: IntCounterVec,
}

impl EventMetrics {
    pub(super) fn declare(d: &Declare) -> prometheus::Result<EventMetrics> {
        Ok(EventMetrics {
            received: d.counters(
                "ioc_events_received_total",
                "Events (citizen reports, camera detections) received, by way in and result: stored, duplicate (an id seen before) or the reason it was refused",
                &["via", "result"],
            )?,
        })
    }
}
