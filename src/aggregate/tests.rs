//! The clock is an argument everywhere in this module, so these tests move it by hand: a
//! paused clock without sleeps.

use std::sync::Arc;

use super::*;
use crate::model::{City, Reading};

const T0: i64 = 1_763_880_000_000;

fn city() -> Arc<City> {
    Arc::new(City::from_config(&crate::model::CityConfig::demo().expect("demo")).expect("valid"))
}

fn live(city: &Arc<City>) -> LiveState {
    let t = StatusThresholds {
        late_after_intervals: 2,
        offline_after_intervals: 5,
    };
    LiveState::new(city.clone(), t, 900.0)
}

fn reading(city: &City, sensor: &str, metric: &str, ts: i64, value: f64) -> Reading {
    let s = city.sensor(sensor);
    let domain = s.map_or(city.domain_idx("traffic").expect("traffic"), |s| s.domain);
    Reading {
        sensor: Arc::from(sensor),
        registered: s.is_some(),
        domain,
        district: s.map_or(city.district_idx("hai-chau").expect("district"), |s| {
            s.district
        }),
        metric: city.metric_idx(domain, metric).expect("metric"),
        ts_ms: ts,
        ts_received: false,
        seq: None,
        value,
    }
}

#[test]
fn a_window_reports_count_mean_min_max_of_values_inside_it() {
    let mut w = RollingWindow::new(Span::OneMinute);
    for (i, v) in [10.0, 20.0, 30.0].into_iter().enumerate() {
        w.record(T0 + i as i64 * 1000, v);
    }
    let s = w.summary(T0 + 2000).expect("values");
    assert_eq!((s.count, s.mean, s.min, s.max), (3, 20.0, 10.0, 30.0));
}

#[test]
fn values_leave_the_window_as_the_clock_advances() {
    let mut w = RollingWindow::new(Span::OneMinute);
    w.record(T0, 1.0);
    w.record(T0 + 30_000, 3.0);
    assert_eq!(w.summary(T0 + 59_000).map(|s| s.count), Some(2));
    assert_eq!(
        w.summary(T0 + 60_000).map(|s| s.count),
        Some(1),
        "the first value is 60 s old"
    );
    assert_eq!(w.summary(T0 + 90_000), None);
}

#[test]
fn a_reading_older_than_the_window_does_not_evict_newer_data() {
    let mut w = RollingWindow::new(Span::OneMinute);
    w.record(T0 + 60_000, 5.0);
    w.record(T0, 100.0); // same ring slot, one lap older
    let s = w.summary(T0 + 60_000).expect("values");
    assert_eq!((s.count, s.max), (1, 5.0));
}

proptest::proptest! {
    /// A sensor's own window keeps only count and sum: its mean, sum and next change are
    /// exactly those of a full window fed the same values (late, out of order, evicted).
    #[test]
    fn a_sum_window_agrees_with_a_full_window(
        records in proptest::collection::vec((0i64..900_000, -1e3f64..1e3), 0..120),
        interval in 1_000i64..120_000,
        now in 0i64..1_300_000,
    ) {
        let mut full = RollingWindow::sized(Span::FiveMinutes, interval);
        let mut sum = SumWindow::sized(Span::FiveMinutes, interval);
        for (t, v) in &records {
            full.record(T0 + t, *v);
            sum.record(T0 + t, *v);
        }
        let at = T0 + now;
        let s = full.summary(at);
        proptest::prop_assert_eq!(sum.mean(at), s.map(|s| s.mean));
        let total = s.map_or(0.0, |s| s.mean * s.count as f64);
        proptest::prop_assert!((sum.sum(at) - total).abs() < 1e-6, "{} vs {}", sum.sum(at), total);
        proptest::prop_assert_eq!(sum.next_change(at), full.next_change(at));
    }
}

#[test]
fn a_sum_window_ignores_a_time_beyond_its_slots() {
    let mut w = SumWindow::new(Span::OneMinute);
    w.record(i64::MAX, 1.0);
    w.record(i64::MIN, 1.0);
    assert_eq!(w.mean(T0), None);
    assert_eq!(w.next_change(T0), None);
}

#[test]
fn longer_windows_keep_what_shorter_ones_dropped() {
    let mut set = WindowSet::default();
    set.record(T0, T0, 2.0);
    set.record(T0 + 240_000, T0 + 240_000, 4.0);
    let now = T0 + 250_000;
    assert_eq!(set.summary(Span::OneMinute, now).map(|s| s.count), Some(1));
    assert_eq!(
        set.summary(Span::FiveMinutes, now).map(|s| s.mean),
        Some(3.0)
    );
    assert_eq!(set.summary(Span::OneHour, T0 + 240_000 + 3_660_000), None);
    assert_eq!(set.newest_ts_ms, Some(T0 + 240_000));
}

#[test]
fn latest_value_keeps_the_newest_by_source_time() {
    let city = city();
    let mut live = live(&city);
    live.apply(
        &[reading(&city, "tl-0042", "vehicle_count", T0 + 10_000, 7.0)],
        T0 + 10_000,
    );
    live.apply(
        &[reading(&city, "tl-0042", "vehicle_count", T0, 99.0)],
        T0 + 11_000,
    );
    let d = live.sensor("tl-0042", T0 + 11_000).expect("sensor");
    assert_eq!(d.latest["vehicle_count"].value, 7.0);
    assert_eq!(d.latest["vehicle_count"].unit, "vehicles");
    assert_eq!(d.summary.last_seen, Some(T0 + 11_000));
    assert_eq!(d.readings_received, 2);
}

#[test]
fn sensor_status_follows_silence_in_expected_intervals() {
    let city = city();
    let mut live = live(&city);
    live.apply(&[reading(&city, "tl-0042", "vehicle_count", T0, 1.0)], T0);
    let status = |now| live.sensor("tl-0042", now).map(|d| d.summary.status);
    // tl-0042 reports every 15 s: late after 30 s of silence, offline after 75 s.
    assert_eq!(status(T0 + 30_000), Some(SensorStatus::Online));
    assert_eq!(status(T0 + 30_001), Some(SensorStatus::Late));
    assert_eq!(status(T0 + 75_001), Some(SensorStatus::Offline));
    assert_eq!(
        live.sensor("tl-0001", T0).map(|d| d.summary.status),
        Some(SensorStatus::NeverSeen)
    );
}

#[test]
fn unregistered_sensors_are_listed_after_registered_ones() {
    let city = city();
    let mut live = live(&city);
    for id in ["x-2", "x-1"] {
        live.apply(&[reading(&city, id, "vehicle_count", T0, 1.0)], T0);
    }
    live.apply(&[reading(&city, "x-1", "vehicle_count", T0, 2.0)], T0);
    let listed = live.sensors(SensorFilter::default(), T0);
    let unregistered: Vec<_> = listed
        .iter()
        .filter(|s| !s.registered)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(unregistered, ["x-1", "x-2"]);
    assert_eq!(live.unregistered_count(), 2);
    assert_eq!(listed.len(), city.sensors.len() + 2);
}

#[test]
fn indicators_aggregate_per_district_and_city_wide() {
    let city = city();
    let mut live = live(&city);
    let son_tra = city
        .sensors
        .iter()
        .find(|s| {
            city.district(s.district).id == "son-tra" && city.domain(s.domain).name == "traffic"
        })
        .expect("sensor");
    live.apply(&[reading(&city, "tl-0042", "avg_speed_kmh", T0, 20.0)], T0);
    live.apply(
        &[reading(
            &city,
            &son_tra.id,
            "avg_speed_kmh",
            T0 + 1000,
            40.0,
        )],
        T0 + 1000,
    );
    let ind = live.indicators(None, None, T0 + 2000);
    let traffic = &ind.domains["traffic"];
    let city_wide = traffic.city["avg_speed_kmh"].windows["1m"].expect("window");
    assert_eq!((city_wide.count, city_wide.mean), (2, 30.0));
    assert_eq!(
        traffic.districts["hai-chau"]["avg_speed_kmh"].windows["5m"].map(|s| s.mean),
        Some(20.0)
    );
    assert_eq!(traffic.as_of, Some(T0 + 1000));
    assert!(ind.domains["environment"].city.is_empty());

    let hai_chau = city.district_idx("hai-chau");
    let narrowed = live.indicators(city.domain_idx("traffic"), hai_chau, T0 + 2000);
    assert_eq!(narrowed.domains.len(), 1);
    assert_eq!(narrowed.domains["traffic"].districts.len(), 1);
}

#[test]
fn sensors_filter_by_domain_district_and_status() {
    let city = city();
    let mut live = live(&city);
    live.apply(&[reading(&city, "tl-0042", "vehicle_count", T0, 1.0)], T0);
    let f = SensorFilter {
        domain: city.domain_idx("traffic"),
        district: city.district_idx("hai-chau"),
        status: Some(SensorStatus::Online),
    };
    let online: Vec<_> = live.sensors(f, T0).into_iter().map(|s| s.id).collect();
    assert_eq!(online, ["tl-0042"]);
    let f = SensorFilter {
        status: Some(SensorStatus::NeverSeen),
        ..f
    };
    assert_eq!(live.sensors(f, T0).len(), 11);
}

/// Walks the whole listing `limit` sensors at a time, calling `between` after every page.
fn walk(
    live: &mut LiveState,
    limit: usize,
    in_scope: impl Fn(crate::model::DomainIdx, crate::model::DistrictIdx) -> bool,
    mut between: impl FnMut(&mut LiveState, usize),
) -> Vec<String> {
    let (mut seen, mut after) = (Vec::new(), None);
    for page_no in 0.. {
        let page = live
            .sensor_page(
                SensorFilter::default(),
                &in_scope,
                after.as_ref(),
                limit,
                T0,
            )
            .expect("page");
        seen.extend(page.iter().map(|s| s.id.clone()));
        match page.last() {
            Some(last) if page.len() == limit => after = Some(SensorKey::of(last)),
            _ => break,
        }
        between(live, page_no);
    }
    seen
}

/// The demo city's live state with three unregistered sensors reporting, and the whole
/// listing in its order.
fn with_unregistered() -> (Arc<City>, LiveState, Vec<String>) {
    let city = city();
    let mut live = live(&city);
    for id in ["x-2", "x-5", "x-8"] {
        live.apply(&[reading(&city, id, "vehicle_count", T0, 1.0)], T0);
    }
    let whole = live
        .sensors(SensorFilter::default(), T0)
        .into_iter()
        .map(|s| s.id)
        .collect();
    (city, live, whole)
}

#[test]
fn a_walk_page_by_page_lists_every_sensor_once_in_the_listing_order() {
    let (_, mut live, whole) = with_unregistered();
    assert_eq!(walk(&mut live, 7, |_, _| true, |_, _| {}), whole);
    assert_eq!(walk(&mut live, whole.len(), |_, _| true, |_, _| {}), whole);
}

#[test]
fn new_sensors_and_readings_during_a_walk_neither_skip_nor_repeat_a_sensor() {
    let (city, mut live, before) = with_unregistered();
    let seen = walk(
        &mut live,
        10,
        |_, _| true,
        |live, page_no| {
            // Unregistered sensors appear on both sides of where the walk stands, and sensors
            // already listed or not yet listed change status.
            for id in [
                format!("x-{page_no}"),
                format!("a-{page_no}"),
                format!("z-{page_no}"),
            ] {
                live.apply(&[reading(&city, &id, "vehicle_count", T0, 1.0)], T0);
            }
            live.apply(&[reading(&city, "tl-0042", "vehicle_count", T0, 2.0)], T0);
        },
    );
    let throughout: Vec<_> = seen.iter().filter(|id| before.contains(id)).collect();
    assert_eq!(throughout, before.iter().collect::<Vec<_>>());
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no sensor listed twice");
}

#[test]
fn a_page_keeps_to_the_scope_and_refuses_a_registered_key_the_registry_lacks() {
    let city = city();
    let mut live = live(&city);
    let hai_chau = city.district_idx("hai-chau").expect("district");
    let seen = walk(&mut live, 5, |_, d| d == hai_chau, |_, _| {});
    let expected: Vec<_> = city
        .sensors
        .iter()
        .filter(|s| s.district == hai_chau)
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(seen, expected);
    let gone = SensorKey::Registered("nope-0000".into());
    let err = live.sensor_page(SensorFilter::default(), |_, _| true, Some(&gone), 5, T0);
    assert_eq!(
        err.map(|p| p.len()),
        Err(ResumeError::NotRegistered("nope-0000".into()))
    );
}
