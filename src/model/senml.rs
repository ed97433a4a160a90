//! SenML JSON (RFC 8428) packs: `[{"bn": "tl-0042:", "bt": 1.7e9, "n": "vehicle_count", "v": 42}, …]`.
//!
//! Names resolve as base name + name; the metric is the part after the last ':' or '/', so
//! both `"n": "pm25"` and URN-style names work. Times are seconds (RFC 8428 §4.5.3): values
//! below 2^28 are relative to the receive time.

use serde_json::{Map, Value};

use super::decode::{check_metric, check_ts, short, Decoded, Target};
use super::{Reason, Rejection};

/// The SenML version this decoder reads (RFC 8428 §4.4: 10, the default when `bver` is absent).
const SENML_VERSION: u64 = 10;

/// RFC 8428 §4.5.3: times below 2**28 are relative to now.
const RELATIVE_TIME_LIMIT_S: f64 = 268_435_456.0;

/// A JSON array is read as SenML when its first object uses SenML's field names.
pub(super) fn looks_like_senml(items: &[Value]) -> bool {
    items.iter().find_map(Value::as_object).is_some_and(|o| {
        ["bn", "bt", "n", "v", "vs", "vb", "vd", "bv", "bu"]
            .iter()
            .any(|k| o.contains_key(*k))
            && !o.contains_key("ts")
    })
}

pub(super) fn decode_pack(t: &Target, items: &[Value], out: &mut Decoded) {
    let before = (out.readings.len(), out.rejections.len());
    let mut base_name = String::new();
    let mut base_time = 0.0_f64;
    let mut base_value = 0.0_f64;
    for (i, item) in items.iter().enumerate() {
        let Some(rec) = item.as_object() else {
            out.rejections.push(Rejection::whole(
                Reason::InvalidShape,
                format!("SenML record {i} is not an object"),
            ));
            continue;
        };
        if let Err(r) = update_bases(rec, &mut base_name, &mut base_time, &mut base_value) {
            out.rejections.push(r);
            continue;
        }
        if !["n", "v", "vs", "vb", "vd", "s"]
            .iter()
            .any(|k| rec.contains_key(*k))
        {
            continue; // a record carrying only base fields
        }
        let name = match rec.get("n") {
            None => base_name.clone(),
            Some(Value::String(n)) => format!("{base_name}{n}"),
            Some(other) => {
                out.rejections.push(Rejection::whole(
                    Reason::InvalidShape,
                    format!("SenML record {i}: n must be a string, got {}", short(other)),
                ));
                continue;
            }
        };
        let metric = name.rsplit([':', '/']).next().unwrap_or(&name);
        let (ts, ts_received) = match record_time_ms(t, rec, base_time)
            .and_then(|(ts, rel)| Ok((check_ts(t, ts)?, rel)))
        {
            Ok(time) => time,
            Err(r) => {
                out.rejections.push(r);
                continue;
            }
        };
        let value = rec
            .get("v")
            .and_then(|v| v.as_f64().filter(|_| v.is_number()))
            .map(|v| v + base_value);
        if let Some(sum) = value.filter(|s| !s.is_finite()) {
            // Both parts were finite (checked on reading them); only their sum is not.
            out.rejections.push(Rejection::field(
                Reason::OutOfRange,
                metric,
                format!("{metric}: bv {base_value} + v overflows ({sum})"),
            ));
            continue;
        }
        let shown = || match rec
            .get("v")
            .or(rec.get("vs"))
            .or(rec.get("vb"))
            .or(rec.get("vd"))
        {
            Some(v) => short(v),
            None => "no value".to_owned(),
        };
        match check_metric(t, metric, value, shown) {
            Ok(reading) => out.readings.push(super::Reading {
                ts_ms: ts,
                ts_received,
                ..reading
            }),
            Err(r) => out.rejections.push(r),
        }
    }
    if (out.readings.len(), out.rejections.len()) == before {
        // Only base fields: nothing to store, and a rejected message must say why.
        out.rejections.push(Rejection::whole(
            Reason::NoValidMetric,
            "SenML pack has no record with a name or value, only base fields",
        ));
    }
}

fn update_bases(
    rec: &Map<String, Value>,
    name: &mut String,
    time: &mut f64,
    value: &mut f64,
) -> Result<(), Rejection> {
    let bad = |field: &str, v: &Value| {
        Rejection::field(
            Reason::InvalidShape,
            field,
            format!("SenML {field} has the wrong type: {}", short(v)),
        )
    };
    if let Some(v) = rec.get("bver") {
        // RFC 8428 §4.4: a pack of a newer version than understood must be rejected.
        if v.as_u64().is_none_or(|ver| ver > SENML_VERSION) {
            return Err(Rejection::field(
                Reason::InvalidShape,
                "bver",
                format!(
                    "SenML bver {} is not supported; this server reads version {SENML_VERSION} and below",
                    short(v)
                ),
            ));
        }
    }
    if let Some(v) = rec.get("bn") {
        *name = v.as_str().ok_or_else(|| bad("bn", v))?.to_owned();
    }
    if let Some(v) = rec.get("bt") {
        *time = v
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| bad("bt", v))?;
    }
    if let Some(v) = rec.get("bv") {
        *value = v
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| bad("bv", v))?;
    }
    Ok(())
}

/// The record's time in unix ms, and whether it was relative to the receive time.
fn record_time_ms(
    t: &Target,
    rec: &Map<String, Value>,
    base_time: f64,
) -> Result<(i64, bool), Rejection> {
    let rel = match rec.get("t") {
        None => 0.0,
        Some(v) => v.as_f64().filter(|f| f.is_finite()).ok_or_else(|| {
            Rejection::whole(
                Reason::BadTimestamp,
                format!("SenML t must be a number of seconds, got {}", short(v)),
            )
        })?,
    };
    let secs = base_time + rel;
    if !secs.is_finite() || secs.abs() > 1e12 {
        return Err(Rejection::whole(
            Reason::BadTimestamp,
            format!("SenML time {secs} s is out of range"),
        ));
    }
    if secs < RELATIVE_TIME_LIMIT_S {
        Ok((t.received_ms + (secs * 1000.0) as i64, true))
    } else {
        Ok(((secs * 1000.0) as i64, false))
    }
}
