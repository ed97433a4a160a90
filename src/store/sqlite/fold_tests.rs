//! Rollups folded in memory (`fold.rs`) against a real file: the same rows as upserting in
//! every batch, and exact after a crash between flushes. History read across the cut-off:
//! `fold_read_tests.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;

use super::tests::{city, open, reading, T0};
use crate::model::Reading;
use crate::store::{
    ReadingWriter, Resolution, Retention, Scope, SeriesQuery, SeriesReader, SqliteStore,
};

pub(super) const SENSORS: [&str; 3] = ["tl-0001", "tl-0002", "tl-0042"];
const METRICS: [&str; 2] = ["vehicle_count", "avg_speed_kmh"];

/// (sensor id, metric name, bucket) → (count, sum, min, max, last, last_ts).
type Table = BTreeMap<(String, String, i64), (i64, f64, f64, f64, f64, i64)>;

/// A rollup table as stored, by sensor id and metric name.
fn stored(store: &SqliteStore, table: &str) -> Table {
    let conn = rusqlite::Connection::open(store.path()).expect("open");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT s.id, m.name, r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts
             FROM {table} r JOIN sensors s ON s.sensor_key = r.sensor_key
             JOIN metrics m ON m.metric_key = r.metric_key"
        ))
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                (
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ),
            ))
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

/// The exact aggregate of `readings` per bucket of `size`, the first of each (sensor, metric,
/// time) kept as the store keeps it.
fn expected(readings: &[Reading], size: i64) -> Table {
    let city = city();
    let mut first: BTreeMap<(String, String, i64), f64> = BTreeMap::new();
    for r in readings {
        let metric = city.metric(r.metric).name.clone();
        first
            .entry((r.sensor.to_string(), metric, r.ts_ms))
            .or_insert(r.value);
    }
    let mut out = Table::new();
    for ((sensor, metric, ts), v) in first {
        let bucket = ts.div_euclid(size) * size;
        let e = out
            .entry((sensor, metric, bucket))
            .or_insert((0, 0.0, v, v, v, ts));
        e.0 += 1;
        e.1 += v;
        e.2 = e.2.min(v);
        e.3 = e.3.max(v);
        if ts >= e.5 {
            (e.4, e.5) = (v, ts);
        }
    }
    out
}

fn assert_exact(store: &SqliteStore, readings: &[Reading]) {
    assert_eq!(stored(store, "rollup_1m"), expected(readings, 60_000));
    assert_eq!(stored(store, "rollup_1h"), expected(readings, 3_600_000));
}

pub(super) fn pending(store: &SqliteStore) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).expect("open");
    conn.query_row("SELECT count(*) FROM rollup_pending", [], |r| r.get(0))
        .expect("count")
}

/// A reading among a few sensors, metrics and two hours, values in halves (sums are exact).
fn arb_reading() -> impl Strategy<Value = Reading> {
    (0..SENSORS.len(), 0..METRICS.len(), 0i64..480, 0u32..200).prop_map(|(s, m, step, v)| {
        reading(
            SENSORS[s],
            METRICS[m],
            T0 + step * 15_000,
            f64::from(v) / 2.0,
        )
    })
}

/// What happens around a batch in [`write_batches`].
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Nothing: its buckets stay open.
    Keep,
    /// Every bucket is written after it (`flush_rollups`, as at close).
    FlushAll,
    /// Its interval is due: the open buckets start flushing, a chunk per batch from this one on.
    CloseInterval,
}

fn arb_then() -> impl Strategy<Value = Then> {
    prop_oneof![
        Just(Then::Keep),
        Just(Then::FlushAll),
        Just(Then::CloseInterval)
    ]
}

/// A store whose interval never closes by itself, written batch by batch, each followed by
/// its [`Then`]; with every reading written.
fn write_batches(
    dir: &tempfile::TempDir,
    batches: &[(Vec<Reading>, Then)],
    chunk: usize,
) -> (SqliteStore, Vec<Reading>) {
    let store = open(dir);
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    store.set_rollup_flush_chunk(chunk);
    let mut all = Vec::new();
    for (batch, then) in batches {
        if let Then::CloseInterval = then {
            store.set_rollup_flush_interval(Duration::ZERO);
        }
        store.write(batch).expect("write");
        store.set_rollup_flush_interval(Duration::from_secs(3600));
        all.extend(batch.iter().cloned());
        if let Then::FlushAll = then {
            store.flush_rollups().expect("flush");
        }
    }
    (store, all)
}

/// Up to `max` batches of readings, each with what follows it.
fn arb_batches(max: usize) -> impl Strategy<Value = Vec<(Vec<Reading>, Then)>> {
    prop::collection::vec(
        (prop::collection::vec(arb_reading(), 1..40), arb_then()),
        1..max,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn folded_rollups_equal_the_exact_aggregate_of_the_stored_readings(
        batches in arb_batches(12),
        chunk in 1usize..64,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, all) = write_batches(&dir, &batches, chunk);
        store.flush_rollups().expect("flush");
        assert_exact(&store, &all);
        prop_assert_eq!(pending(&store), 0);
    }

    #[test]
    fn a_crash_between_flushes_loses_no_rollup(batches in arb_batches(10), chunk in 1usize..64) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, all) = write_batches(&dir, &batches, chunk);
        // The crash: the store is leaked, so its writer's Drop (which flushes) never runs;
        // what its committed transactions wrote is all the next open finds.
        store.leak_as_if_crashed();
        let store = open(&dir);
        prop_assert_eq!(pending(&store), 0, "recomputed at open");
        assert_exact(&store, &all);
    }
}

#[test]
fn closing_the_store_flushes_its_open_buckets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let batch: Vec<Reading> = (0..8)
        .map(|i| reading("tl-0042", "vehicle_count", T0 + i * 15_000, i as f64))
        .collect();
    store.write(&batch).expect("write");
    assert!(
        stored(&store, "rollup_1m").is_empty(),
        "still open in memory"
    );
    assert_eq!(
        pending(&store),
        2,
        "one row per series and minute first touched"
    );
    drop(store);
    let store = open(&dir);
    assert_eq!(pending(&store), 0);
    assert_exact(&store, &batch);
}

#[test]
fn the_batches_after_an_interval_closes_write_its_buckets_a_chunk_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    store.set_rollup_flush_chunk(2);
    // Three series, one minute each: three minute buckets and three hour buckets.
    let first: Vec<Reading> = SENSORS
        .iter()
        .map(|s| reading(s, "vehicle_count", T0, 1.0))
        .collect();
    store.write(&first).expect("write");
    assert!(stored(&store, "rollup_1m").is_empty());
    assert_eq!(pending(&store), 3);
    // The interval has passed for the next batch (no sleep: the clock is not faked, the
    // interval is shortened): it closes the interval and writes its first two buckets.
    store.set_rollup_flush_interval(Duration::ZERO);
    let second = [reading("tl-0042", "vehicle_count", T0 + 120_000, 2.0)];
    store.write(&second).expect("write");
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    assert_eq!(
        stored(&store, "rollup_1m").len(),
        2,
        "a chunk of the closed interval"
    );
    assert_eq!(pending(&store), 4, "listed until the last chunk");
    let third = [reading("tl-0042", "vehicle_count", T0 + 180_000, 3.0)];
    store.write(&third).expect("write");
    store.write(&third[..0]).expect("write");
    store.write(&third[..0]).expect("write");
    assert_eq!(
        stored(&store, "rollup_1m"),
        expected(&first, 60_000),
        "the closed interval is written, the batches after it are still open"
    );
    assert_eq!(
        pending(&store),
        2,
        "only the open interval's minutes are listed"
    );
    store.flush_rollups().expect("flush");
    let all: Vec<Reading> = [&first[..], &second, &third].concat();
    assert_exact(&store, &all);
}

#[test]
fn a_reading_into_an_hour_retention_thinned_is_upserted_at_once_and_survives_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    let day = 86_400_000;
    // Raw rows of this hour: one kept (after the cut), one deleted by retention.
    let hour = (T0 - 7 * day).div_euclid(3_600_000) * 3_600_000;
    let (gone, kept) = (hour + 60_000, hour + 30 * 60_000);
    let first = [
        reading("tl-0042", "vehicle_count", gone, 1.0),
        reading("tl-0042", "vehicle_count", kept, 2.0),
    ];
    store.write(&first).expect("write");
    store
        .enforce_retention(gone + 7 * day + 1)
        .expect("retention");
    let late = [reading("tl-0042", "vehicle_count", kept + 15_000, 3.0)];
    store.write(&late).expect("write");
    assert_eq!(
        pending(&store),
        0,
        "not folded: its hour cannot be recomputed"
    );
    store.leak_as_if_crashed();
    let store = open(&dir);
    let all = [first[0].clone(), first[1].clone(), late[0].clone()];
    assert_eq!(
        stored(&store, "rollup_1h"),
        expected(&all, 3_600_000),
        "the deleted raw reading still counts in its hour"
    );
}

#[test]
fn a_store_of_schema_3_gets_an_empty_pending_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.db");
    drop(open(&dir));
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "DROP TABLE rollup_pending; DROP TABLE store_meta; PRAGMA user_version = 3;",
        )
        .expect("back to schema 3");
    }
    let store = open(&dir);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, 4);
    assert_eq!(pending(&store), 0);
    let batch = [reading("tl-0042", "vehicle_count", T0, 4.0)];
    store.write(&batch).expect("write");
    drop(store);
    assert_exact(&open(&dir), &batch);
}

#[test]
fn a_reading_late_into_an_hour_before_the_last_flush_shows_in_rollups_at_the_next_flush() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    let hour = 3_600_000;
    store
        .write(&[
            reading("tl-0042", "vehicle_count", T0, 1.0),
            reading("tl-0042", "vehicle_count", T0 + 2 * hour, 2.0),
        ])
        .expect("write");
    store.flush_rollups().expect("flush");
    store
        .write(&[reading("tl-0042", "vehicle_count", T0 + 60_000, 5.0)])
        .expect("write");
    let count = |resolution| {
        let city = city();
        let s = city.sensor("tl-0042").expect("registered");
        let q = SeriesQuery {
            scope: Scope::Sensor("tl-0042".into()),
            metric: city.metric_idx(s.domain, "vehicle_count").expect("metric"),
            from_ms: T0 - hour,
            to_ms: T0 + 3 * hour,
        };
        let rows = store.rows(&q, resolution).expect("rows");
        rows.iter().map(|r| r.count).sum::<u64>()
    };
    assert_eq!(count(Resolution::Raw), 3, "raw answers have it at once");
    assert_eq!(count(Resolution::Minute), 2, "late: not in rollups yet");
    store.flush_rollups().expect("flush");
    assert_eq!(count(Resolution::Minute), 3);
    assert_eq!(count(Resolution::Hour), 3);
}
