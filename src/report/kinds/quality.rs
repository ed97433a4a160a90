//! The data-quality report: per feed (domain) and district and day, the sensors, the share of
//! expected readings received, and the sensor-hours offline (none received) and late (under
//! half received), and the messages and values rejected, by reason in a section of their own:
//! the "correct, complete, clean, live" view a province is judged on.

use std::collections::BTreeMap;

use super::Context;
use crate::report::table::{col, Cell, Column, Section};

const COLUMNS: &[Column] = &[
    col("id", "Mã", "ID", ""),
    col("domain", "Lĩnh vực", "Feed", ""),
    col("district", "Quận/huyện", "District", ""),
    col("date", "Ngày", "Date", ""),
    col("sensors", "Số cảm biến", "Sensors", ""),
    col("completeness", "Tỷ lệ đủ số liệu", "Completeness", "ratio"),
    col(
        "offline_hours",
        "Số giờ mất kết nối",
        "Sensor-hours offline",
        "h",
    ),
    col(
        "late_hours",
        "Số giờ thiếu số liệu",
        "Sensor-hours late",
        "h",
    ),
    col("rejected", "Số bản tin bị loại", "Rejections", ""),
];

const REJECTION_COLUMNS: &[Column] = &[
    col("domain", "Lĩnh vực", "Feed", ""),
    col("district", "Quận/huyện", "District", ""),
    col("date", "Ngày", "Date", ""),
    col("reason", "Lý do", "Reason", ""),
    col("count", "Số lượng", "Count", ""),
];

#[derive(Default)]
struct Tally {
    sensors: usize,
    hours: usize,
    received: f64,
    offline: usize,
    late: usize,
}

pub fn sections(cx: &Context) -> Vec<Section> {
    let by_reason = rejections(cx);
    vec![main(cx, &by_reason), rejection_section(cx, &by_reason)]
}

/// Rejections per (feed, district, day start, reason); `""` names an unknown feed or district.
type ByReason<'a> = BTreeMap<(&'a str, &'a str, i64, &'a str), u64>;

fn rejections<'a>(cx: &'a Context) -> ByReason<'a> {
    let mut out = ByReason::new();
    for r in &cx.rejections {
        if let Some(day) = cx.day_of(r.hour) {
            *out.entry((&r.domain, &r.district, day, &r.reason))
                .or_default() += r.count;
        }
    }
    out
}

fn rejection_section(cx: &Context, by_reason: &ByReason) -> Section {
    let name = |s: &str| {
        if s.is_empty() {
            "unknown".to_owned()
        } else {
            s.to_owned()
        }
    };
    let rows = by_reason
        .iter()
        .map(|((domain, district, day, reason), count)| {
            vec![
                Cell::text(name(domain)),
                Cell::text(name(district)),
                Cell::text(cx.zone.date_of(*day)),
                Cell::text(*reason),
                Cell::Int(*count as i64),
            ]
        })
        .collect();
    Section {
        key: "rejections",
        columns: REJECTION_COLUMNS.to_vec(),
        rows,
    }
}

fn main(cx: &Context, by_reason: &ByReason) -> Section {
    let mut tallies: BTreeMap<(u16, u16, i64), Tally> = BTreeMap::new();
    for sensor in &cx.sensors {
        let r = cx.rows_of(sensor);
        let per_hour = 3_600_000.0 / sensor.interval_ms.max(1) as f64;
        for (start, hours) in cx.each_day() {
            let t = tallies
                .entry((sensor.domain.0, sensor.district.0, start))
                .or_default();
            t.sensors += 1;
            // An hour that has not happened yet is neither offline nor late.
            for h in hours.iter().filter(|h| **h + 3_600_000 <= cx.now_ms) {
                let share = (r.readings(*h) as f64 / per_hour).min(1.0);
                t.hours += 1;
                t.received += share;
                t.offline += usize::from(share == 0.0);
                t.late += usize::from(share > 0.0 && share < 0.5);
            }
        }
    }
    let rows = tallies
        .into_iter()
        .map(|((domain, district, start), t)| {
            let domain = &cx.city.domains[usize::from(domain)].name;
            let district = &cx.city.districts[usize::from(district)].id;
            let rejected: u64 = by_reason
                .range((domain.as_str(), district.as_str(), start, "")..)
                .take_while(|((d, x, s, _), _)| {
                    (*d, *x, *s) == (domain.as_str(), district.as_str(), start)
                })
                .map(|(_, n)| n)
                .sum();
            vec![
                Cell::text(format!("{domain}/{district}")),
                Cell::text(domain),
                Cell::text(district),
                Cell::text(cx.zone.date_of(start)),
                Cell::Int(t.sensors as i64),
                Cell::num(Some(t.received / t.hours.max(1) as f64)),
                Cell::Int(t.offline as i64),
                Cell::Int(t.late as i64),
                Cell::Int(rejected as i64),
            ]
        })
        .collect();
    Section {
        key: "rows",
        columns: COLUMNS.to_vec(),
        rows,
    }
}
