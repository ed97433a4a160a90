//! Opening a store written by schema 1 (one raw row per reading) moves its readings into
//! schema 2's rows, also when an earlier upgrade was interrupted after the rename.

use std::sync::Arc;

use rusqlite::{params, Connection};

use crate::model::City;
use crate::store::{Resolution, RetentionPolicy, Scope, SeriesQuery, SeriesReader, SqliteStore};

const T0: i64 = 1_763_880_000_000;
const DAY: i64 = 86_400_000;

/// Schema 1 as it shipped (sensors, metrics and rollups are unchanged in schema 2).
const V1_READINGS: &str = "
CREATE TABLE readings (
    sensor_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    seq INTEGER,
    PRIMARY KEY (sensor_key, metric_key, ts)
) WITHOUT ROWID;";

fn city() -> Arc<City> {
    Arc::new(City::from_config(&crate::model::CityConfig::demo().expect("demo")).expect("valid"))
}

/// A schema-2 store turned back into schema 1 holding `n` times of three traffic metrics of
/// two sensors; `renamed` leaves it as an upgrade interrupted right after its first step.
fn v1_store(dir: &tempfile::TempDir, n: i64, renamed: bool) -> std::path::PathBuf {
    let path = dir.path().join("ioc.db");
    let retention = RetentionPolicy {
        raw_ms: 7 * DAY,
        rollup_1m_ms: 90 * DAY,
        rollup_1h_ms: 730 * DAY,
    };
    drop(SqliteStore::open(&path, city(), retention, false).expect("create"));
    let conn = Connection::open(&path).expect("open");
    conn.execute_batch(&format!("DROP TABLE readings; {V1_READINGS}"))
        .expect("v1 table");
    for (sk, id) in [(1, "tl-0001"), (2, "tl-0042")] {
        conn.execute(
            "INSERT INTO sensors (sensor_key, id, domain, district) VALUES (?1, ?2, 'traffic', 'x')",
            params![sk, id],
        )
        .expect("sensor");
    }
    for (mk, name) in [
        (1, "vehicle_count"),
        (2, "avg_speed_kmh"),
        (3, "occupancy_pct"),
    ] {
        conn.execute(
            "INSERT INTO metrics (metric_key, domain, name) VALUES (?1, 'traffic', ?2)",
            params![mk, name],
        )
        .expect("metric");
    }
    for sk in [1i64, 2] {
        for i in 0..n {
            for mk in 1i64..=3 {
                conn.execute(
                    "INSERT INTO readings (sensor_key, metric_key, ts, value, seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![sk, mk, T0 + i * 15_000, (sk * 1000 + mk * 100 + i) as f64, i],
                )
                .expect("reading");
            }
        }
    }
    if renamed {
        conn.execute_batch(&format!(
            "ALTER TABLE readings RENAME TO readings_v1; {}",
            super::schema::RAW_TABLE
        ))
        .expect("rename");
    }
    conn.pragma_update(None, "user_version", 1)
        .expect("version");
    path
}

fn check_upgraded(path: &std::path::Path, n: i64) {
    let retention = RetentionPolicy {
        raw_ms: 7 * DAY,
        rollup_1m_ms: 90 * DAY,
        rollup_1h_ms: 730 * DAY,
    };
    let city = city();
    let store = SqliteStore::open(path, city.clone(), retention, false).expect("upgrade");
    for (sk, id) in [(1i64, "tl-0001"), (2, "tl-0042")] {
        for (mk, name) in [
            (1i64, "vehicle_count"),
            (2, "avg_speed_kmh"),
            (3, "occupancy_pct"),
        ] {
            let s = city.sensor(id).expect("registered");
            let q = SeriesQuery {
                scope: Scope::Sensor(id.into()),
                metric: city.metric_idx(s.domain, name).expect("metric"),
                from_ms: T0,
                to_ms: T0 + DAY,
            };
            let rows = store.rows(&q, Resolution::Raw).expect("rows");
            let want: Vec<(i64, f64)> = (0..n)
                .map(|i| (T0 + i * 15_000, (sk * 1000 + mk * 100 + i) as f64))
                .collect();
            assert_eq!(
                rows.iter().map(|r| (r.t, r.sum)).collect::<Vec<_>>(),
                want,
                "{id} {name}"
            );
        }
    }
    let conn = Connection::open(path).expect("open");
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    assert_eq!(count("PRAGMA user_version"), 4); // 1 → 2 → 3 (the outbox, `migrate_v2.rs`) → 4 (`migrate_v3.rs`)
    assert_eq!(
        count("SELECT count(*) FROM readings"),
        2 * n,
        "one row per sensor and time"
    );
    assert_eq!(
        count("SELECT count(*) FROM sqlite_master WHERE name = 'readings_v1'"),
        0
    );
}

#[test]
fn a_schema_1_store_is_upgraded_on_open_with_every_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = v1_store(&dir, 40, false);
    check_upgraded(&path, 40);
}

#[test]
fn an_upgrade_interrupted_after_the_rename_carries_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = v1_store(&dir, 25, true);
    check_upgraded(&path, 25);
}
