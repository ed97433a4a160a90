//! InfluxDB line protocol for readings: a measurement per domain, tags `district` and
//! `sensor`, the metrics as float fields, millisecond timestamps. Pure. The store's outbox
//! holds the data ([`OutboxPoint`]); this is the only place that knows the wire format.

use std::fmt::Write;

use crate::store::OutboxPoint;

/// The line an outbox entry is sent as; a line kept from an older outbox is sent unchanged.
pub fn format(point: &OutboxPoint) -> String {
    match point {
        OutboxPoint::Readings {
            domain,
            district,
            sensor,
            ts_ms,
            fields,
        } => {
            let fields: Vec<(&str, f64)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            line(domain, district, sensor, &fields, *ts_ms)
        }
        OutboxPoint::Line(line) => line.clone(),
    }
}

/// Escapes a measurement name (commas and spaces).
fn measurement(out: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, ',' | ' ' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Escapes a tag key, tag value or field key (commas, equals signs and spaces).
fn key(out: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, ',' | '=' | ' ' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// One line: `domain,district=…,sensor=… metric=value,… ts_ms`. `fields` must not be empty
/// and every value must be finite (validated readings are).
pub fn line(
    domain: &str,
    district: &str,
    sensor: &str,
    fields: &[(&str, f64)],
    ts_ms: i64,
) -> String {
    let mut out = String::with_capacity(48 + 24 * fields.len());
    measurement(&mut out, domain);
    out.push_str(",district=");
    key(&mut out, district);
    out.push_str(",sensor=");
    key(&mut out, sensor);
    for (i, (name, value)) in fields.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        key(&mut out, name);
        // `{:?}` keeps a decimal point (42.0), so InfluxDB stores a float, never an integer.
        let _ = write!(out, "={value:?}");
    }
    let _ = write!(out, " {ts_ms}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_becomes_one_line_with_tags_fields_and_ms_time() {
        let l = line(
            "traffic",
            "hai-chau",
            "tl-0042",
            &[("vehicle_count", 42.0), ("avg_speed_kmh", 31.5)],
            1_763_880_000_000,
        );
        assert_eq!(l, "traffic,district=hai-chau,sensor=tl-0042 vehicle_count=42.0,avg_speed_kmh=31.5 1763880000000");
    }

    #[test]
    fn an_outbox_point_is_one_line_and_a_kept_line_leaves_unchanged() {
        let point = OutboxPoint::Readings {
            domain: "traffic".into(),
            district: "hai-chau".into(),
            sensor: "tl-0042".into(),
            ts_ms: 1_763_880_000_000,
            fields: vec![
                ("vehicle_count".into(), 42.0),
                ("avg_speed_kmh".into(), 31.5),
            ],
        };
        assert_eq!(format(&point), "traffic,district=hai-chau,sensor=tl-0042 vehicle_count=42.0,avg_speed_kmh=31.5 1763880000000");
        let kept = "air,district=x,sensor=y pm25=1.0 1";
        assert_eq!(format(&OutboxPoint::Line(kept.into())), kept);
    }

    #[test]
    fn special_characters_are_escaped() {
        let l = line("my domain", "a,b", "x=y z", &[("f 1", -0.5)], 1);
        assert_eq!(l, r"my\ domain,district=a\,b,sensor=x\=y\ z f\ 1=-0.5 1");
    }
}
