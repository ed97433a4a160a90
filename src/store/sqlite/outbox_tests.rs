//! The export outbox holds data, one row per sensor and time of fresh readings, in the
//! write's transaction; a store from schema 2 keeps the lines waiting in its outbox and they
//! leave first, unchanged.

use rusqlite::Connection;

use super::tests::{open, reading, T0};
use crate::store::{Outbox, OutboxPoint, ReadingWriter};

/// The outbox as schema 2 shipped it.
const V2_OUTBOX: &str = "
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enqueued_ms INTEGER NOT NULL,
    line TEXT NOT NULL
);";

const OLD_LINES: [&str; 2] = [
    "traffic,district=hai-chau,sensor=tl-0042 vehicle_count=1.0 1763880000000",
    "traffic,district=hai-chau,sensor=tl-0042 vehicle_count=2.0 1763880000100",
];

/// A store turned back into schema 2 with `OLD_LINES` waiting in its outbox.
fn v2_store_with_lines(dir: &tempfile::TempDir) {
    drop(open(dir));
    let conn = Connection::open(dir.path().join("ioc.db")).expect("open");
    conn.execute_batch(&format!("DROP TABLE outbox; {V2_OUTBOX}"))
        .expect("v2 outbox");
    for line in OLD_LINES {
        conn.execute(
            "INSERT INTO outbox (enqueued_ms, line) VALUES (?1, ?2)",
            rusqlite::params![T0, line],
        )
        .expect("line");
    }
    conn.pragma_update(None, "user_version", 2)
        .expect("version");
}

#[test]
fn the_fresh_readings_of_a_sensor_and_time_are_one_outbox_row_of_named_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store.enable_outbox(100).expect("outbox");
    let first = reading("tl-0042", "vehicle_count", T0, 42.0);
    store
        .write(&[
            first.clone(),
            reading("tl-0042", "avg_speed_kmh", T0, 31.5),
            reading("tl-0042", "vehicle_count", T0 + 1, 7.0),
        ])
        .expect("write");
    store.write(&[first]).expect("a duplicate");

    let entries = store.peek(10).expect("peek");
    let points: Vec<_> = entries.iter().map(|e| e.point.clone()).collect();
    let point = |ts_ms, fields: &[(&str, f64)]| OutboxPoint::Readings {
        domain: "traffic".into(),
        district: "hai-chau".into(),
        sensor: "tl-0042".into(),
        ts_ms,
        fields: fields.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    };
    assert_eq!(
        points,
        [
            point(T0, &[("vehicle_count", 42.0), ("avg_speed_kmh", 31.5)]),
            point(T0 + 1, &[("vehicle_count", 7.0)]),
        ],
        "a duplicate enqueues nothing"
    );
    assert_eq!(store.stats().lines, 2);
}

#[test]
fn lines_waiting_in_a_schema_2_outbox_stay_in_order_ahead_of_new_readings() {
    let dir = tempfile::tempdir().expect("tempdir");
    v2_store_with_lines(&dir);

    let store = open(&dir);
    store.enable_outbox(100).expect("outbox");
    assert_eq!(store.stats().lines, 2, "the waiting lines are counted");
    store
        .write(&[reading("tl-0042", "vehicle_count", T0 + 200, 3.0)])
        .expect("write");
    let entries = store.peek(10).expect("peek");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].point, OutboxPoint::Line(OLD_LINES[0].into()));
    assert_eq!(entries[1].point, OutboxPoint::Line(OLD_LINES[1].into()));
    assert!(matches!(
        entries[2].point,
        OutboxPoint::Readings { ts_ms, .. } if ts_ms == T0 + 200
    ));

    store.remove_through(entries[1].id).expect("remove");
    drop(store);
    let store = open(&dir);
    store.enable_outbox(100).expect("outbox");
    let left = store.peek(10).expect("peek");
    assert_eq!(
        left.len(),
        1,
        "a reopened upgraded store is not migrated again"
    );
    assert_eq!(left[0].id, entries[2].id);
    let conn = Connection::open(dir.path().join("ioc.db")).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, 4, "and on to schema 4 (`migrate_v3.rs`)");
}
