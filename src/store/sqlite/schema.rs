//! The schema, versioned with `PRAGMA user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::{migrate_v1, migrate_v2, migrate_v3};
use crate::store::StoreError;

const VERSION: i64 = 4;

/// The raw table holding one row per sensor and time; `metrics` packs every metric's value
/// (`packed.rs`), `seq` is the sequence number of the message that first wrote the row.
pub(super) const RAW_TABLE: &str = "
CREATE TABLE readings (
    sensor_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER,
    metrics BLOB NOT NULL,
    PRIMARY KEY (sensor_key, ts)
) WITHOUT ROWID;
";

/// Rollup tables share one shape: a bucket per sensor-metric with count, sum, min, max and
/// the last value by source time.
const OTHER_TABLES: &str = "
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
";

/// The rollup buckets touched since the last flush of the open buckets (`fold.rs`), one row
/// per series and minute, appended in rowid order; and small facts about the store
/// (`raw_pruned_before`: retention deleted raw rows before this time).
pub(super) const ROLLUP_PENDING_TABLES: &str = "
CREATE TABLE IF NOT EXISTS rollup_pending (
    id INTEGER PRIMARY KEY,
    sensor_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    minute INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

/// The export outbox (`outbox.rs`): one row per sensor and source time, its values packed as
/// in raw rows; `line` is set instead only on rows kept from schema 2 (formatted text).
pub(super) const OUTBOX_TABLE: &str = "
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enqueued_ms INTEGER NOT NULL,
    domain TEXT,
    district TEXT,
    sensor TEXT,
    ts INTEGER,
    fields BLOB,
    line TEXT
);
";

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
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
            "BEGIN IMMEDIATE; {OTHER_TABLES} {RAW_TABLE} {OUTBOX_TABLE} {ROLLUP_PENDING_TABLES} PRAGMA user_version = {VERSION}; COMMIT;"
        ))?;
    }
    if found == 1 {
        migrate_v1::run(conn)?;
    }
    if found == 1 || found == 2 {
        migrate_v2::run(conn)?;
    }
    if (1..=3).contains(&found) {
        migrate_v3::run(conn)?;
    }
    Ok(())
}
