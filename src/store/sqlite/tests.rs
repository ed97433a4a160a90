//! The SQLite store against a real file in a temp dir.

use std::sync::Arc;

use proptest::prelude::*;

use crate::model::{City, Reading};
use crate::store::{
    fold, Agg, ReadingWriter, Resolution, Retention, RetentionPolicy, Scope, SeriesQuery,
    SeriesReader, SqliteStore,
};

pub(super) const T0: i64 = 1_763_880_000_000; // 2025-11-23T06:40:00Z, on a minute boundary
const DAY: i64 = 86_400_000;
const RET: RetentionPolicy = RetentionPolicy {
    raw_ms: 7 * DAY,
    rollup_1m_ms: 90 * DAY,
    rollup_1h_ms: 730 * DAY,
};

pub(super) fn city() -> Arc<City> {
    static CITY: std::sync::LazyLock<Arc<City>> = std::sync::LazyLock::new(|| {
        Arc::new(
            City::from_config(&crate::model::CityConfig::demo().expect("demo")).expect("valid"),
        )
    });
    CITY.clone()
}

pub(super) fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("ioc.db"), city(), RET, false).expect("open")
}

pub(super) fn reading(sensor: &str, metric: &str, ts: i64, value: f64) -> Reading {
    let city = city();
    let s = city.sensor(sensor).expect("registered");
    Reading {
        sensor: s.id.clone(),
        registered: true,
        domain: s.domain,
        district: s.district,
        metric: city.metric_idx(s.domain, metric).expect("metric"),
        ts_ms: ts,
        ts_received: false,
        seq: None,
        value,
    }
}

fn sensor_query(sensor: &str, metric: &str, from: i64, to: i64) -> SeriesQuery {
    let city = city();
    let s = city.sensor(sensor).expect("registered");
    SeriesQuery {
        scope: Scope::Sensor(sensor.into()),
        metric: city.metric_idx(s.domain, metric).expect("metric"),
        from_ms: from,
        to_ms: to,
    }
}

#[test]
fn readings_written_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let batch: Vec<_> = (0..10)
        .map(|i| reading("tl-0042", "vehicle_count", T0 + i * 15_000, i as f64))
        .collect();
    let report = open(&dir).write(&batch).expect("write");
    assert_eq!(report.fresh, vec![true; 10]);
    let store = open(&dir);
    let rows = store
        .rows(
            &sensor_query("tl-0042", "vehicle_count", T0, T0 + DAY),
            Resolution::Raw,
        )
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.sum).collect::<Vec<_>>(),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
}

#[test]
fn a_duplicate_is_reported_and_counted_once_in_rollups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let r = reading("tl-0042", "vehicle_count", T0, 5.0);
    store.write(std::slice::from_ref(&r)).expect("write");
    let report = store
        .write(&[r.clone(), reading("tl-0042", "vehicle_count", T0 + 1, 6.0)])
        .expect("write");
    assert_eq!(report.fresh, [false, true]);
    let q = sensor_query("tl-0042", "vehicle_count", T0, T0 + 60_000);
    let minute = store.rows(&q, Resolution::Minute).expect("rows");
    assert_eq!((minute.len(), minute[0].count, minute[0].sum), (1, 2, 11.0));
}

#[test]
fn a_sensor_time_is_one_row_and_a_later_message_adds_only_the_metrics_it_lacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let first = [
        reading("tl-0042", "vehicle_count", T0, 10.0),
        reading("tl-0042", "avg_speed_kmh", T0, 40.0),
    ];
    assert_eq!(store.write(&first).expect("write").fresh, [true, true]);
    // A second message at the same time: one metric repeated (another value), one new, and
    // within the batch the new one repeated again.
    let second = [
        reading("tl-0042", "vehicle_count", T0, 99.0),
        reading("tl-0042", "occupancy_pct", T0, 12.5),
        reading("tl-0042", "occupancy_pct", T0, 13.5),
    ];
    assert_eq!(
        store.write(&second).expect("write").fresh,
        [false, true, false]
    );
    let raw = |metric| {
        store
            .rows(
                &sensor_query("tl-0042", metric, T0, T0 + 1),
                Resolution::Raw,
            )
            .expect("rows")
            .iter()
            .map(|r| r.sum)
            .collect::<Vec<_>>()
    };
    assert_eq!(raw("vehicle_count"), [10.0], "the first value stays");
    assert_eq!(raw("avg_speed_kmh"), [40.0]);
    assert_eq!(raw("occupancy_pct"), [12.5]);
    let rows: i64 = rusqlite::Connection::open(dir.path().join("ioc.db"))
        .expect("open")
        .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 1, "one raw row for the sensor at that time");
}

#[test]
fn readings_timed_on_receipt_are_deduplicated_by_seq_within_the_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let timed_on_receipt = |ts, seq| Reading {
        ts_received: true,
        seq: Some(seq),
        ..reading("tl-0042", "vehicle_count", ts, 1.0)
    };
    assert_eq!(
        store
            .write(&[timed_on_receipt(T0, 7)])
            .expect("write")
            .fresh,
        [true]
    );
    assert_eq!(
        store
            .write(&[timed_on_receipt(T0 + 3_000, 7)])
            .expect("write")
            .fresh,
        [false],
        "a redelivery seconds later"
    );
    assert_eq!(
        store
            .write(&[timed_on_receipt(T0 + DAY, 7)])
            .expect("write")
            .fresh,
        [true],
        "the counter restarted a day later"
    );
}

#[test]
fn readings_timed_on_receipt_in_the_same_millisecond_are_all_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let batch: Vec<_> = (0..3)
        .map(|i| Reading {
            ts_received: true,
            ..reading("tl-0042", "vehicle_count", T0, f64::from(i))
        })
        .collect();
    assert_eq!(
        store.write(&batch).expect("write").fresh,
        [true, true, true]
    );
    let rows = store
        .rows(
            &sensor_query("tl-0042", "vehicle_count", T0, T0 + 1000),
            Resolution::Raw,
        )
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| (r.t, r.sum)).collect::<Vec<_>>(),
        [(T0, 0.0), (T0 + 1, 1.0), (T0 + 2, 2.0)]
    );
}

#[test]
fn a_late_reading_lands_in_its_own_rollup_bucket_and_does_not_replace_last() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store
        .write(&[reading("aq-0019", "pm25", T0 + 3_600_000 + 5_000, 30.0)])
        .expect("newer first");
    store
        .write(&[
            reading("aq-0019", "pm25", T0 + 10_000, 10.0),
            reading("aq-0019", "pm25", T0 + 3_600_000 + 1_000, 99.0),
        ])
        .expect("late");
    let q = sensor_query("aq-0019", "pm25", T0, T0 + 2 * 3_600_000);
    let hours = store.rows(&q, Resolution::Hour).expect("rows");
    assert_eq!(
        hours.iter().map(|r| (r.t, r.count)).collect::<Vec<_>>(),
        [(T0 - 2_400_000, 1), (T0 + 1_200_000, 2)]
    );
    let last = fold(
        &store.rows(&q, Resolution::Minute).expect("rows"),
        3_600_000,
        Agg::Last,
    );
    assert_eq!(
        last.last().map(|p| p.value),
        Some(30.0),
        "the late 99.0 is older than 30.0"
    );
}

#[test]
fn retention_removes_what_is_older_than_each_horizon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let old = T0 - 10 * DAY;
    store
        .write(&[
            reading("tl-0042", "vehicle_count", old, 1.0),
            reading("tl-0042", "vehicle_count", T0, 2.0),
        ])
        .expect("write");
    let report = store.enforce_retention(T0).expect("retention");
    assert_eq!((report.raw, report.rollup_1m, report.rollup_1h), (1, 0, 0));
    let raw = store
        .rows(
            &sensor_query("tl-0042", "vehicle_count", old - DAY, T0 + DAY),
            Resolution::Raw,
        )
        .expect("rows");
    assert_eq!(raw.len(), 1);
    let minutes = store
        .rows(
            &sensor_query("tl-0042", "vehicle_count", old - DAY, T0 + DAY),
            Resolution::Minute,
        )
        .expect("rows");
    assert_eq!(minutes.len(), 2, "1-minute rollups are kept 90 days");
    let report = store.enforce_retention(T0 + 100 * DAY).expect("retention");
    assert_eq!((report.raw, report.rollup_1m, report.rollup_1h), (1, 2, 0));
}

#[test]
fn a_district_series_aggregates_every_sensor_of_the_domain_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store
        .write(&[
            reading("tl-0042", "avg_speed_kmh", T0, 20.0),
            reading("tl-0043", "avg_speed_kmh", T0 + 5_000, 40.0),
        ])
        .expect("write");
    let city = city();
    let traffic = city.domain_idx("traffic").expect("traffic");
    let q = SeriesQuery {
        scope: Scope::Group {
            domain: traffic,
            district: city.district_idx("hai-chau"),
        },
        metric: city.metric_idx(traffic, "avg_speed_kmh").expect("metric"),
        from_ms: T0,
        to_ms: T0 + 60_000,
    };
    let points = fold(
        &store.rows(&q, Resolution::Minute).expect("rows"),
        60_000,
        Agg::Mean,
    );
    assert_eq!(points.iter().map(|p| p.value).collect::<Vec<_>>(), [30.0]);
    let elsewhere = SeriesQuery {
        scope: Scope::Group {
            domain: traffic,
            district: city.district_idx("son-tra"),
        },
        ..q
    };
    assert!(store
        .rows(&elsewhere, Resolution::Raw)
        .expect("rows")
        .is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A reading is fresh exactly when its sensor, metric and time were not stored before,
    /// whether its batch lands after the sensor's newest row (nothing loaded, `Tails`) or
    /// among stored rows (late data, duplicates), and across a reopen, which forgets the
    /// newest times.
    #[test]
    fn a_reading_is_fresh_exactly_when_its_metric_and_time_were_not_stored(
        points in proptest::collection::vec((0i64..40, 0usize..2, 0usize..2), 1..80),
        batch in 1usize..12,
        reopen_at in 0usize..12,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = open(&dir);
        let sensors = ["tl-0042", "tl-0043"];
        let readings: Vec<_> = points
            .iter()
            .map(|&(dt, m, s)| {
                let metric = ["vehicle_count", "avg_speed_kmh"][m];
                reading(sensors[s], metric, T0 + dt * 1_000, dt as f64)
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (n, chunk) in readings.chunks(batch).enumerate() {
            if n == reopen_at {
                drop(store);
                store = open(&dir);
            }
            let expected: Vec<bool> = chunk
                .iter()
                .map(|r| seen.insert((r.sensor.clone(), r.metric, r.ts_ms)))
                .collect();
            prop_assert_eq!(store.write(chunk).expect("write").fresh, expected);
        }
        let rows: i64 = rusqlite::Connection::open(dir.path().join("ioc.db"))
            .expect("open")
            .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
            .expect("count");
        let times: std::collections::HashSet<_> = seen.iter().map(|(s, _, t)| (s.clone(), *t)).collect();
        prop_assert_eq!(rows as usize, times.len(), "one raw row per sensor and time");
    }

    /// Rollups equal the same aggregates computed from raw rows, whatever the order and
    /// batching of the writes (late data and duplicates included).
    #[test]
    fn rollups_equal_aggregates_computed_from_raw_data(
        points in proptest::collection::vec((0i64..7_200_000, -50.0f64..500.0), 1..120),
        batch in 1usize..20,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = open(&dir);
        let readings: Vec<_> = points.iter().map(|(dt, v)| reading("aq-0019", "pm25", T0 + dt, v.max(0.0))).collect();
        for chunk in readings.chunks(batch) {
            store.write(chunk).expect("write");
        }
        store.write(&readings[..readings.len() / 2]).expect("duplicates");
        let q = sensor_query("aq-0019", "pm25", T0, T0 + 7_200_000);
        let raw = store.rows(&q, Resolution::Raw).expect("raw");
        for (res, step) in [(Resolution::Minute, 60_000), (Resolution::Hour, 3_600_000)] {
            let rolled = store.rows(&q, res).expect("rollup");
            for agg in [Agg::Mean, Agg::Min, Agg::Max, Agg::Sum, Agg::Count, Agg::Last] {
                let a = fold(&raw, step, agg);
                let b = fold(&rolled, step, agg);
                prop_assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(&b) {
                    prop_assert_eq!(x.t, y.t);
                    prop_assert!((x.value - y.value).abs() <= 1e-9 * x.value.abs().max(1.0), "{:?} {:?} {:?}", agg, x, y);
                }
            }
        }
    }
}

#[test]
fn the_writer_cache_holds_every_sensor_tail_while_they_fit_in_64_mib() {
    use super::writer_cache_kib;
    assert_eq!(writer_cache_kib(0), 16_384);
    assert_eq!(writer_cache_kib(288), 16_384);
    assert_eq!(writer_cache_kib(2_880), 46_080);
    assert_eq!(writer_cache_kib(4_096), 65_536);
    // Past that no cache worth its memory holds the tails: back to the interior pages' share.
    assert_eq!(writer_cache_kib(4_097), 16_384);
    assert_eq!(writer_cache_kib(100_000), 16_384);
    assert_eq!(writer_cache_kib(usize::MAX), 16_384);
}

#[test]
fn the_writer_connection_uses_the_cache_sized_for_its_city() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let kib: i64 = store
        .writer()
        .conn()
        .pragma_query_value(None, "cache_size", |r| r.get(0))
        .expect("pragma");
    assert_eq!(kib, -super::writer_cache_kib(city().sensors.len()));
}
