//! The schema, versioned with `PRAGMA user_version`.

use std::path::Path;

use rusqlite::Connection;

use crate::store::StoreError;

const VERSION: i64 = 1;

/// Rollup tables share one shape: a bucket per sensor-metric with count, sum, min, max and
/// the last value by source time.
const SCHEMA_V1: &str = "
CREATE TABLE sensors (
    sensor_key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    domain TEXT NOT NULL,
    district TEXT NOT NULL
);
CREATE INDEX sensors_group ON sensors (domain, district);
CREATE TABLE metrics (
    metric_key INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (domain, name)
);
CREATE TABLE readings (
    sensor_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    seq INTEGER,
    PRIMARY KEY (sensor_key, metric_key, ts)
) WITHOUT ROWID;
CREATE TABLE seq_seen (
    sensor_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (sensor_key, metric_key, seq)
) WITHOUT ROWID;
CREATE TABLE rollup_1m (
    sensor_key INTEGER NOT NULL, metric_key INTEGER NOT NULL, bucket INTEGER NOT NULL,
    count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ts INTEGER NOT NULL,
    PRIMARY KEY (sensor_key, metric_key, bucket)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
    sensor_key INTEGER NOT NULL, metric_key INTEGER NOT NULL, bucket INTEGER NOT NULL,
    count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ts INTEGER NOT NULL,
    PRIMARY KEY (sensor_key, metric_key, bucket)
) WITHOUT ROWID;
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enqueued_ms INTEGER NOT NULL,
    line TEXT NOT NULL
);
";

pub(super) fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            known: VERSION,
        });
    }
    if found < 1 {
        conn.execute_batch(&format!(
            "BEGIN; {SCHEMA_V1} PRAGMA user_version = {VERSION}; COMMIT;"
        ))?;
    }
    Ok(())
}
