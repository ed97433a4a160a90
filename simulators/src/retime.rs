//! `replay --retime`: a recording replayed as if it were live. Every time in a payload moves
//! by one shift (the first line's `at_ms` to the chosen start), so the gaps, the order and any
//! late or skewed readings keep their shape:
//! - `ts` of JSON records and batches: unix ms stay numbers; RFC 3339 strings are written
//!   back in UTC (the same instant, another offset);
//! - SenML's absolute times: `bt` and `t` of 2^28 s and more (RFC 8428 §4.5.3; smaller ones
//!   are relative and stay).
//!
//! Payloads that are not JSON, and records without a time (timed on receipt), go out as they
//! are. Pure: no clock, no I/O.

use serde_json::{Map, Value};

/// RFC 8428 §4.5.3: SenML times below 2^28 s are relative to the receive time.
const SENML_ABSOLUTE_S: f64 = 268_435_456.0;

/// Where `--retime` puts the first line: now, or a given instant (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retime {
    Now,
    At(i64),
}

impl std::str::FromStr for Retime {
    type Err = String;

    /// `now`, or an RFC 3339 instant such as `2026-12-07T08:00:00+07:00`.
    fn from_str(s: &str) -> Result<Retime, String> {
        if s == "now" {
            return Ok(Retime::Now);
        }
        ioc::model::parse_rfc3339_ms(s)
            .map(Retime::At)
            .ok_or_else(|| format!("{s:?} is neither `now` nor an RFC 3339 time"))
    }
}

/// `payload` with every time moved by `shift_ms`, or `None` when nothing in it is a time this
/// knows (send it unchanged).
pub fn shift_payload(payload: &[u8], shift_ms: i64) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(payload).ok()?;
    let changed = match &mut value {
        Value::Object(record) => shift_record(record, shift_ms),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .fold(false, |changed, item| {
                shift_record(item, shift_ms) | shift_senml(item, shift_ms) | changed
            }),
        _ => false,
    };
    if !changed {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

/// A record's `ts`: unix ms (whole, integer or float) or RFC 3339.
fn shift_record(record: &mut Map<String, Value>, shift_ms: i64) -> bool {
    let Some(ts) = record.get_mut("ts") else {
        return false;
    };
    let moved = match ts {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(ms), _) => ms.checked_add(shift_ms).map(Value::from),
            (None, Some(ms)) => {
                serde_json::Number::from_f64(ms + shift_ms as f64).map(Value::Number)
            }
            _ => None,
        },
        Value::String(s) => ioc::model::parse_rfc3339_ms(s)
            .and_then(|ms| ms.checked_add(shift_ms))
            .map(|ms| Value::String(ioc::model::Zone::utc().format(ms))),
        _ => None,
    };
    match moved {
        Some(v) => {
            *ts = v;
            true
        }
        None => false,
    }
}

/// A SenML record's absolute `bt` and `t` (seconds).
fn shift_senml(record: &mut Map<String, Value>, shift_ms: i64) -> bool {
    let mut changed = false;
    for key in ["bt", "t"] {
        let Some(v) = record.get_mut(key) else {
            continue;
        };
        let Some(s) = v.as_f64().filter(|s| *s >= SENML_ABSOLUTE_S) else {
            continue;
        };
        if let Some(n) = serde_json::Number::from_f64(s + shift_ms as f64 / 1000.0) {
            *v = Value::Number(n);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn shifted(payload: &str, shift: i64) -> Value {
        let out = shift_payload(payload.as_bytes(), shift).expect("shifted");
        serde_json::from_slice(&out).expect("json")
    }

    #[test]
    fn a_record_and_a_batch_move_their_ts_and_keep_their_values() {
        let one = shifted(r#"{"ts": 1000, "pm25": 12.5}"#, HOUR);
        assert_eq!(one, serde_json::json!({"ts": 1000 + HOUR, "pm25": 12.5}));
        let batch = shifted(r#"[{"ts": 1000, "v": 1}, {"ts": 2000, "v": 2}]"#, -500);
        assert_eq!(
            batch,
            serde_json::json!([{"ts": 500, "v": 1}, {"ts": 1500, "v": 2}])
        );
    }

    #[test]
    fn an_rfc3339_ts_moves_to_the_same_instant_in_utc() {
        let v = shifted(r#"{"ts": "2025-11-23T13:40:00+07:00", "v": 1}"#, HOUR);
        assert_eq!(v["ts"], "2025-11-23T07:40:00+00:00");
    }

    #[test]
    fn senml_moves_absolute_times_and_keeps_relative_ones() {
        let v = shifted(
            r#"[{"bn": "tl-0042:", "bt": 1763880000, "n": "vehicle_count", "v": 4, "t": -10},
                {"n": "avg_speed_kmh", "v": 30, "t": 1763880005}]"#,
            2_000,
        );
        assert_eq!(v[0]["bt"], 1763880002.0);
        assert_eq!(v[0]["t"], -10, "relative to bt");
        assert_eq!(v[1]["t"], 1763880007.0);
    }

    #[test]
    fn payloads_without_a_time_or_not_json_go_out_unchanged() {
        assert_eq!(shift_payload(br#"{"pm25": 3}"#, HOUR), None);
        assert_eq!(shift_payload(b"\xff\x00 not json", HOUR), None);
        assert_eq!(shift_payload(br#"{"ts": "yesterday"}"#, HOUR), None);
        assert_eq!(
            shift_payload(br#"[{"bt": 12, "v": 1}]"#, HOUR),
            None,
            "relative SenML time"
        );
    }

    #[test]
    fn retime_takes_now_or_an_rfc3339_time_and_says_what_it_wants() {
        assert_eq!("now".parse::<Retime>(), Ok(Retime::Now));
        assert_eq!(
            "1970-01-01T01:00:00Z".parse::<Retime>(),
            Ok(Retime::At(HOUR))
        );
        let e = "tomorrow".parse::<Retime>().expect_err("bad");
        assert!(e.contains("now") && e.contains("RFC 3339"), "{e}");
    }
}
