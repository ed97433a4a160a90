//! Times as CAP 1.2 writes them (§3.3.2 and the schema's pattern
//! `\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d`): local time with its offset, whole
//! seconds, and UTC as `-00:00`, never `Z`. The same text is valid RFC 3339, so the Atom feed
//! uses it too.

use super::hazard::Lang;
use super::CapError;
use crate::model::Zone;

/// `t_ms` in the city's `zone` (`2026-12-07T07:00:00+07:00`), its milliseconds dropped. A
/// zone whose offset then is not whole minutes (local mean time, before 1900) gives UTC.
pub(super) fn cap_time(zone: &Zone, t_ms: i64) -> Result<String, CapError> {
    let whole = t_ms
        .checked_sub(t_ms.rem_euclid(1000))
        .ok_or(CapError::Time(t_ms))?;
    in_zone(zone, whole)
        .or_else(|| in_zone(&Zone::utc(), whole))
        .ok_or(CapError::Time(t_ms))
}

fn in_zone(zone: &Zone, t_ms: i64) -> Option<String> {
    let text = zone.format(t_ms);
    let text = match text
        .strip_suffix("+00:00")
        .or_else(|| text.strip_suffix('Z'))
    {
        Some(local) => format!("{local}-00:00"),
        None => text,
    };
    is_cap_time(&text).then_some(text)
}

/// Whether `s` matches the schema's pattern (with `-` or `+` before the offset: the `,` the
/// pattern's class also admits is a slip of the schema).
pub(super) fn is_cap_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 25
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 | 22 => c == b':',
            19 => matches!(c, b'+' | b'-'),
            _ => c.is_ascii_digit(),
        })
}

/// A CAP time as people read it: `07:00 ngày 07/12/2026 (UTC+07:00)`,
/// `07:00 on 07/12/2026 (UTC+07:00)`; `-00:00` reads `UTC`.
pub(super) fn readable(cap: &str, lang: Lang) -> String {
    let part = |from: usize, to: usize| cap.get(from..to).unwrap_or_default();
    let (year, month, day, clock) = (part(0, 4), part(5, 7), part(8, 10), part(11, 16));
    let zone = match part(19, 25) {
        "-00:00" | "+00:00" => "UTC".to_owned(),
        offset => format!("UTC{offset}"),
    };
    match lang {
        Lang::Vi => format!("{clock} ngày {day}/{month}/{year} ({zone})"),
        Lang::En => format!("{clock} on {day}/{month}/{year} ({zone})"),
    }
}
