//! Days with known answers, computed by hand from Decision 1459's tables.

use std::sync::Arc;

use super::air::{self, HOUR_MS};
use super::rows::{file, Rows};
use crate::model::City;
use crate::store::Row;

const DAY0: i64 = 1_764_522_000_000; // 2025-12-01T00:00+07:00

fn city() -> Arc<City> {
    crate::snapshot::fixture::demo_city()
}

/// Hourly means of `metric` at the day's hours `values[h]` (None: no data that hour).
fn put(rows: &mut Rows, city: &City, metric: &str, values: &[Option<f64>]) {
    let m = (0..city.metrics.len())
        .map(|i| crate::model::MetricIdx(i as u16))
        .find(|m| city.metric(*m).name == metric)
        .expect("metric");
    let found = values
        .iter()
        .enumerate()
        .filter_map(|(h, v)| v.map(|v| (Arc::from("aq-1"), Row::raw(DAY0 + h as i64 * HOUR_MS, v))))
        .collect();
    file(rows, m, found);
}

fn hours() -> Vec<i64> {
    (0..24).map(|h| DAY0 + h * HOUR_MS).collect()
}

#[test]
fn a_steady_pm25_day_is_its_24_hour_mean() {
    let city = city();
    let mut rows = Rows::new();
    put(&mut rows, &city, "pm25", &[Some(30.0); 24]);
    let day = air::day(&rows[&Arc::from("aq-1")], &city.known, &hours());
    let v = day.daily.expect("a daily index");
    assert_eq!(v.aqi, 60, "PM2.5 24-hour mean 30 µg/m³ → 50 + 50·5/25 = 60");
    // The first hour has no index: the NowCast needs 2 of the last 3 hours, and the day
    // before has none.
    assert_eq!(day.hours_by_category, [0, 23, 0, 0, 0, 0]);
    assert_eq!(day.max_hourly, Some(60));
}

#[test]
fn a_day_with_17_hours_of_pm_is_unavailable_with_its_reason() {
    let city = city();
    let mut rows = Rows::new();
    let mut v = vec![Some(30.0); 17];
    v.extend([None; 7]);
    put(&mut rows, &city, "pm25", &v);
    let day = air::day(&rows[&Arc::from("aq-1")], &city.known, &hours());
    let why = day.daily.expect_err("too few hours");
    assert!(why.contains("PM2.5 has 17") && why.contains("18"), "{why}");
    let mut eighteenth = [None; 18];
    eighteenth[17] = Some(30.0);
    put(&mut rows, &city, "pm25", &eighteenth);
    let day = air::day(&rows[&Arc::from("aq-1")], &city.known, &hours());
    assert_eq!(day.daily.map(|v| v.aqi), Ok(60), "18 hours are enough");
}

#[test]
fn an_ozone_day_is_driven_by_its_eight_hour_maximum() {
    let city = city();
    let mut rows = Rows::new();
    put(&mut rows, &city, "pm25", &[Some(10.0); 24]);
    let o3: Vec<Option<f64>> = (0..24)
        .map(|h| Some(if (10..18).contains(&h) { 150.0 } else { 50.0 }))
        .collect();
    put(&mut rows, &city, "o3", &o3);
    let day = air::day(&rows[&Arc::from("aq-1")], &city.known, &hours());
    let v = day.daily.expect("a daily index");
    // 8-hour maximum 150 µg/m³: 100 + 50·(150 − 120)/(170 − 120) = 130; the 1-hour maximum
    // 150 gives only 50·150/160 ≈ 47; PM2.5 10 gives 20.
    assert_eq!(v.aqi, 130);
    assert_eq!(v.dominant, crate::indicators::aqi::Pollutant::O3);
    assert_eq!(day.o3_max_8h, Some(150.0));
}

#[test]
fn six_hours_of_ozone_make_no_daily_ozone_index() {
    let city = city();
    let mut rows = Rows::new();
    put(&mut rows, &city, "pm25", &[Some(10.0); 24]);
    let o3: Vec<Option<f64>> = (0..24)
        .map(|h| (10..16).contains(&h).then_some(300.0))
        .collect();
    put(&mut rows, &city, "o3", &o3);
    let day = air::day(&rows[&Arc::from("aq-1")], &city.known, &hours());
    // One 8-hour window has 6 of its hours, 17 others fewer: 18 of 24 are needed.
    assert_eq!((day.o3_max_8h, day.max_1h[2]), (None, None));
    assert_eq!(day.daily.map(|v| v.aqi), Ok(20), "PM2.5 10 µg/m³ alone");
}
