use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::decode::kind;
use super::rejection::truncate;
use super::{Reason, Rejection};

/// 2000-01-01T00:00:00Z. Earlier timestamps are almost always seconds sent as milliseconds.
pub const MIN_VALID_TS_MS: i64 = 946_684_800_000;

/// Parses an RFC 3339 timestamp ("2026-11-23T08:00:00+07:00") to unix milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A JSON `ts`: whole unix milliseconds (an integer, or a float without a fraction such as
/// `1.7e12`) or an RFC 3339 string.
pub(super) fn parse_ts(v: &Value) -> Result<i64, Rejection> {
    let bad = |why: String| Rejection::whole(Reason::BadTimestamp, why);
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(i),
            // A fraction of a millisecond is not a time this API can store; `1.7e12` is.
            (None, Some(f)) if f.is_finite() && f.abs() < 1e15 && f.fract() == 0.0 => Ok(f as i64),
            _ => Err(bad(format!(
                "ts {n} is not a whole number of unix milliseconds"
            ))),
        },
        Value::String(s) => parse_rfc3339_ms(s).ok_or_else(|| {
            bad(format!(
                "ts {:?} is neither unix milliseconds nor RFC 3339",
                truncate(s, 40)
            ))
        }),
        other => Err(bad(format!(
            "ts must be unix milliseconds or an RFC 3339 string, got {}",
            kind(other)
        ))),
    }
}
