//! The air-quality report (Sở TN&MT): per station and day, the daily VN_AQI with its band,
//! the largest hourly VN_AQI and the hours in each band, the dominant pollutant, the data
//! completeness, and the 24-hour means against QCVN 05:2023/BTNMT.

use super::{columns, Context};
use crate::report::air::{day, AirDay};
use crate::report::table::{col, Cell, Column, Section};

/// QCVN 05:2023/BTNMT, Table 1 (µg/Nm³): the 24-hour limits, and O3's 8-hour limit, in
/// `model::POLLUTANTS` order (pm25, pm10, o3, no2, so2, co; CO has no 24-hour limit).
/// PM2.5's is 50, and 45 from 2026-01-01 (docs/reports.md).
fn limits(date: &str) -> [Option<f64>; 6] {
    let pm25 = if date >= "2026-01-01" { 45.0 } else { 50.0 };
    [
        Some(pm25),
        Some(100.0),
        Some(120.0),
        Some(100.0),
        Some(125.0),
        None,
    ]
}

const NAMES: [&str; 6] = ["pm25", "pm10", "o3", "no2", "so2", "co"];

const FIGURES: &[Column] = &[
    col("vn_aqi_daily", "VN_AQI ngày", "Daily VN_AQI", ""),
    col("unavailable", "Lý do không tính", "Why unavailable", ""),
    col("category", "Mức", "Category", ""),
    col(
        "category_vi",
        "Mức (tiếng Việt)",
        "Category (Vietnamese)",
        "",
    ),
    col("color", "Màu", "Colour", "RGB"),
    col("dominant", "Thông số chính", "Dominant pollutant", ""),
    col(
        "vn_aqi_max_hourly",
        "VN_AQI giờ lớn nhất",
        "Largest hourly VN_AQI",
        "",
    ),
    col("hours_good", "Số giờ Tốt", "Hours good", "h"),
    col("hours_moderate", "Số giờ Trung bình", "Hours moderate", "h"),
    col("hours_poor", "Số giờ Kém", "Hours poor", "h"),
    col("hours_bad", "Số giờ Xấu", "Hours bad", "h"),
    col("hours_very_bad", "Số giờ Rất xấu", "Hours very bad", "h"),
    col("hours_hazardous", "Số giờ Nguy hại", "Hours hazardous", "h"),
    col(
        "completeness",
        "Tỷ lệ đủ số liệu",
        "Data completeness",
        "ratio",
    ),
    col("pm25_24h", "PM2.5 TB 24 giờ", "PM2.5 24-hour mean", "µg/m³"),
    col("pm10_24h", "PM10 TB 24 giờ", "PM10 24-hour mean", "µg/m³"),
    col(
        "o3_max_8h",
        "O3 TB 8 giờ lớn nhất",
        "O3 largest 8-hour mean",
        "µg/m³",
    ),
    col("no2_24h", "NO2 TB 24 giờ", "NO2 24-hour mean", "µg/m³"),
    col("so2_24h", "SO2 TB 24 giờ", "SO2 24-hour mean", "µg/m³"),
    col("exceedances", "Vượt QCVN 05:2023", "Over QCVN 05:2023", ""),
];

pub fn section(cx: &Context) -> Section {
    let known = &cx.city.known;
    let mut rows = Vec::new();
    for sensor in &cx.sensors {
        let r = cx.rows_of(sensor);
        for (start, hours) in cx.each_day() {
            let end = start + hours.len() as i64 * crate::report::air::HOUR_MS;
            let has_air = known
                .pollutants
                .iter()
                .flatten()
                .any(|m| r.starts(*m, start, end).next().is_some());
            if !has_air {
                continue;
            }
            let mut row = cx.head(sensor, start);
            row.extend(figures(&day(r, known, &hours), &cx.zone.date_of(start)));
            rows.push(row);
        }
    }
    Section {
        key: "rows",
        columns: columns(("Trạm quan trắc", "Station"), FIGURES),
        rows,
    }
}

fn figures(d: &AirDay, date: &str) -> Vec<Cell> {
    let (index, why) = match &d.daily {
        Ok(v) => (Some(v), Cell::Null),
        Err(why) => (None, Cell::text(why)),
    };
    let values = [
        d.mean_24h[0],
        d.mean_24h[1],
        d.o3_max_8h,
        d.mean_24h[3],
        d.mean_24h[4],
        None,
    ];
    let over: Vec<&str> = limits(date)
        .iter()
        .zip(values)
        .zip(NAMES)
        .filter(|((limit, v), _)| matches!((limit, v), (Some(l), Some(v)) if v > l))
        .map(|(_, name)| name)
        .collect();
    let mut out = vec![
        Cell::int(index.map(|v| i64::from(v.aqi))),
        why,
        index.map_or(Cell::Null, |v| Cell::text(json_name(&v.category))),
        index.map_or(Cell::Null, |v| Cell::text(v.label_vi)),
        index.map_or(Cell::Null, |v| Cell::text(v.color.hex())),
        index.map_or(Cell::Null, |v| Cell::text(json_name(&v.dominant))),
        Cell::int(d.max_hourly.map(i64::from)),
    ];
    out.extend(d.hours_by_category.iter().map(|h| Cell::Int(i64::from(*h))));
    out.push(Cell::num(Some(d.pm_hours as f64 / d.hours.max(1) as f64)));
    out.extend(values[..5].iter().map(|v| Cell::num(*v)));
    out.push(Cell::text(over.join(",")));
    out
}

/// A serde enum's name (`"moderate"`, `"pm25"`).
fn json_name(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
