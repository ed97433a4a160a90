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
