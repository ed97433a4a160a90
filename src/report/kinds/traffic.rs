//! The traffic report (Sở GTVT): per road and day, the peak hour and its flow, the vehicles
//! counted, the mean speed and congestion index, and the hours jammed; then the same per
//! district, from its roads pooled hour by hour.

use std::collections::BTreeMap;

use super::{columns, Context};
use crate::model::Sensor;
use crate::report::table::{col, Cell, Column, Section};

const PEAK_HOUR: Column = col("peak_hour", "Giờ cao điểm", "Peak hour", "local");
const PEAK_FLOW: Column = col(
    "peak_flow_vph",
    "Lưu lượng giờ cao điểm",
    "Peak-hour flow",
    "vehicles/h",
);
const MEAN_CONGESTION: Column = col(
    "mean_congestion",
    "Chỉ số ùn tắc trung bình",
    "Mean congestion index",
    "0..1",
);
const HOURS_JAMMED: Column = col(
    "hours_jammed",
    "Số giờ ùn tắc nghiêm trọng",
    "Hours jammed",
    "h",
);

const FIGURES: &[Column] = &[
    PEAK_HOUR,
    PEAK_FLOW,
    col("vehicles", "Tổng số xe", "Vehicles counted", "vehicles"),
    col("mean_speed_kmh", "Tốc độ trung bình", "Mean speed", "km/h"),
    MEAN_CONGESTION,
    HOURS_JAMMED,
];

const DISTRICT: &[Column] = &[
    col("id", "Mã quận/huyện", "District ID", ""),
    col("date", "Ngày", "Date", ""),
    col("roads", "Số điểm đo", "Road sensors", ""),
    PEAK_HOUR,
    PEAK_FLOW,
    MEAN_CONGESTION,
    HOURS_JAMMED,
];

/// One road's hour: vehicles counted, congestion index.
#[derive(Debug, Clone, Copy, Default)]
struct Hour {
    flow: Option<f64>,
    congestion: Option<f64>,
    speed: Option<f64>,
}

fn hours_of(cx: &Context, road: &Sensor, hours: &[i64]) -> Vec<Hour> {
    let k = &cx.city.known;
    let r = cx.rows_of(road);
    let free = road
        .free_flow_kmh
        .unwrap_or(cx.params.default_free_flow_kmh);
    hours
        .iter()
        .map(|t| {
            let speed = r.mean(k.avg_speed_kmh, *t);
            Hour {
                flow: k
                    .vehicle_count
                    .and_then(|m| r.row(m, *t))
                    .map(|row| row.sum),
                congestion: speed.map(|v| (1.0 - v / free).clamp(0.0, 1.0)),
                speed,
            }
        })
        .collect()
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (n, s) = v.fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    (n > 0).then(|| s / n as f64)
}

/// The peak hour as local `HH:00`, and its flow.
fn peak(cx: &Context, hours: &[i64], flows: &[Option<f64>]) -> (Cell, Cell) {
    let best = flows
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (i, f)))
        .fold(None, |b: Option<(usize, f64)>, (i, f)| match b {
            Some((_, bf)) if bf >= f => b,
            _ => Some((i, f)),
        });
    match best {
        Some((i, f)) => (Cell::text(local_hour(cx, hours[i])), Cell::num(Some(f))),
        None => (Cell::Null, Cell::Null),
    }
}

/// `HH:00` local.
fn local_hour(cx: &Context, t: i64) -> String {
    let text = cx.zone.format(t);
    text.get(11..16).unwrap_or(&text).to_owned()
}

fn jammed(cx: &Context, congestion: impl Iterator<Item = Option<f64>>) -> Cell {
    Cell::Int(
        congestion
            .flatten()
            .filter(|c| *c >= cx.params.congestion_jammed)
            .count() as i64,
    )
}

pub fn sections(cx: &Context) -> Vec<Section> {
    let mut roads = Vec::new();
    let mut districts: BTreeMap<(u16, i64), Vec<Vec<Hour>>> = BTreeMap::new();
    for road in &cx.sensors {
        for (start, hours) in cx.each_day() {
            let h = hours_of(cx, road, &hours);
            let flows: Vec<Option<f64>> = h.iter().map(|x| x.flow).collect();
            let (peak_hour, peak_flow) = peak(cx, &hours, &flows);
            let mut row = cx.head(road, start);
            row.extend([
                peak_hour,
                peak_flow,
                Cell::num(flows.iter().flatten().copied().reduce(|a, b| a + b)),
                Cell::num(mean(h.iter().filter_map(|x| x.speed))),
                Cell::num(mean(h.iter().filter_map(|x| x.congestion))),
                jammed(cx, h.iter().map(|x| x.congestion)),
            ]);
            roads.push(row);
            districts
                .entry((road.district.0, start))
                .or_default()
                .push(h);
        }
    }
    let district_rows = districts
        .into_iter()
        .map(|((d, start), per_road)| district_row(cx, d, start, &per_road))
        .collect();
    vec![
        Section {
            key: "rows",
            columns: columns(("Điểm đo giao thông", "Road sensor"), FIGURES),
            rows: roads,
        },
        Section {
            key: "districts",
            columns: DISTRICT.to_vec(),
            rows: district_rows,
        },
    ]
}

fn district_row(cx: &Context, d: u16, start: i64, per_road: &[Vec<Hour>]) -> Vec<Cell> {
    let hours: Vec<i64> = cx
        .each_day()
        .find(|(s, _)| *s == start)
        .map(|(_, h)| h)
        .unwrap_or_default();
    let at = |i: usize| per_road.iter().filter_map(move |r| r.get(i));
    let flows: Vec<Option<f64>> = (0..hours.len())
        .map(|i| at(i).filter_map(|h| h.flow).reduce(|a, b| a + b))
        .collect();
    let congestion: Vec<Option<f64>> = (0..hours.len())
        .map(|i| mean(at(i).filter_map(|h| h.congestion)))
        .collect();
    let (peak_hour, peak_flow) = peak(cx, &hours, &flows);
    vec![
        Cell::text(&cx.city.district(crate::model::DistrictIdx(d)).id),
        Cell::text(cx.zone.date_of(start)),
        Cell::Int(per_road.len() as i64),
        peak_hour,
        peak_flow,
        Cell::num(mean(per_road.iter().flatten().filter_map(|h| h.congestion))),
        jammed(cx, congestion.into_iter()),
    ]
}
