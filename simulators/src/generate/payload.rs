//! Payload encoding: a JSON object, a JSON batch array, or a SenML pack (DESIGN.md's
//! external contract). Written by hand so the bytes, and so the stream, are exactly
//! reproducible: field order is ts, seq, then the metrics in schema order.

use std::fmt::Write;

/// One reading ready to encode.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub ts_ms: i64,
    pub seq: u64,
    pub values: Vec<f64>,
}

/// A metric as written: its name and the decimals it is rounded to.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub decimals: u8,
}

fn number(out: &mut String, v: f64, decimals: u8) {
    // Writing into a String cannot fail.
    let _ = match decimals {
        0 => write!(out, "{}", v.round() as i64),
        d => write!(out, "{:.*}", usize::from(d), v),
    };
}

/// `{"ts":…,"seq":…,"metric":value,…}`
pub fn object(out: &mut String, fields: &[Field], r: &Record) {
    let _ = write!(out, "{{\"ts\":{},\"seq\":{}", r.ts_ms, r.seq);
    for (f, v) in fields.iter().zip(&r.values) {
        let _ = write!(out, ",\"{}\":", f.name);
        number(out, *v, f.decimals);
    }
    out.push('}');
}

/// `[{…},{…}]`: readings buffered during an outage, sent together.
pub fn batch(fields: &[Field], records: &[Record]) -> String {
    let mut out = String::from("[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        object(&mut out, fields, r);
    }
    out.push(']');
    out
}

/// `[{"bn":"urn:dev:id:tl-0042:","bt":1763880000.123,"n":"vehicle_count","v":42},{"n":…,"v":…}]`
pub fn senml(sensor: &str, fields: &[Field], r: &Record) -> String {
    let mut out = String::new();
    let (secs, ms) = (r.ts_ms.div_euclid(1000), r.ts_ms.rem_euclid(1000));
    for (i, (f, v)) in fields.iter().zip(&r.values).enumerate() {
        out.push_str(if i == 0 { "[{" } else { ",{" });
        if i == 0 {
            let _ = write!(
                out,
                "\"bn\":\"urn:dev:id:{sensor}:\",\"bt\":{secs}.{ms:03},"
            );
        }
        let _ = write!(out, "\"n\":\"{}\",\"v\":", f.name);
        number(&mut out, *v, f.decimals);
        out.push('}');
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<Field> {
        vec![
            Field {
                name: "vehicle_count",
                decimals: 0,
            },
            Field {
                name: "avg_speed_kmh",
                decimals: 1,
            },
        ]
    }

    #[test]
    fn an_object_puts_ts_and_seq_first_and_rounds_each_metric() {
        let mut s = String::new();
        object(
            &mut s,
            &fields(),
            &Record {
                ts_ms: 1_763_880_000_000,
                seq: 7,
                values: vec![41.6, 31.45],
            },
        );
        assert_eq!(
            s,
            r#"{"ts":1763880000000,"seq":7,"vehicle_count":42,"avg_speed_kmh":31.4}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v["vehicle_count"], 42);
    }

    #[test]
    fn senml_names_the_sensor_once_and_keeps_millisecond_time() {
        let s = senml(
            "tl-0001",
            &fields(),
            &Record {
                ts_ms: 1_763_880_000_042,
                seq: 1,
                values: vec![3.0, 40.0],
            },
        );
        assert_eq!(
            s,
            r#"[{"bn":"urn:dev:id:tl-0001:","bt":1763880000.042,"n":"vehicle_count","v":3},{"n":"avg_speed_kmh","v":40.0}]"#
        );
    }

    #[test]
    fn a_batch_is_an_array_of_objects() {
        let r = Record {
            ts_ms: 1,
            seq: 1,
            values: vec![1.0, 2.0],
        };
        let v: serde_json::Value =
            serde_json::from_str(&batch(&fields(), &[r.clone(), r])).expect("valid JSON");
        assert_eq!(v.as_array().map(Vec::len), Some(2));
    }
}
