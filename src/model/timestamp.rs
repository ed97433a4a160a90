use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// 2000-01-01T00:00:00Z. Earlier timestamps are almost always seconds sent as milliseconds.
pub const MIN_VALID_TS_MS: i64 = 946_684_800_000;

/// Parses an RFC 3339 timestamp ("2026-11-23T08:00:00+07:00") to unix milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}
