//! The wall clock. Only shells read it; the pure cores (`model`, `aggregate`, `indicators`,
//! the alert engine) take "now" and receive times as arguments.

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time, unix milliseconds (0 if the clock reads before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds as RFC 3339 in UTC (`2026-12-01T03:00:00Z`); the number itself when it is
/// outside the calendar.
pub fn rfc3339_utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}
