//! InfluxDB line protocol for readings: a measurement per domain, tags `district` and
//! `sensor`, the metrics as float fields, millisecond timestamps. Pure.

use std::fmt::Write;

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
    fn special_characters_are_escaped() {
        let l = line("my domain", "a,b", "x=y z", &[("f 1", -0.5)], 1);
        assert_eq!(l, r"my\ domain,district=a\,b,sensor=x\=y\ z f\ 1=-0.5 1");
    }
}
