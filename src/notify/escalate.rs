//! Escalation: an alert still firing, unacknowledged, `after_ms` after it fired is told again
//! as `alert.escalated`, once per firing (a reopened alert fires anew). Pure, with the clock
//! passed in.

use crate::alerts::{Alert, AlertState};

/// The alerts of `open` to escalate at `now_ms`.
pub fn due(open: &[Alert], now_ms: i64, after_ms: i64) -> Vec<&Alert> {
    open.iter()
        .filter(|a| a.state == AlertState::Firing && a.acknowledged.is_none())
        .filter(|a| {
            a.fired_ms
                .is_some_and(|f| f.saturating_add(after_ms) <= now_ms)
        })
        .collect()
}

/// The escalation's delivery id: one per alert and firing.
pub fn id(a: &Alert) -> String {
    format!("alert-{}-escalated-{}", a.id, a.fired_ms.unwrap_or(0))
}
