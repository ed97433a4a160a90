//! Schema 1 → 2: raw readings move from one row per reading to one row per sensor and time
//! (`packed.rs`). Resumable: the old table is renamed, then emptied sensor by sensor, each in
//! its own transaction, so a crash mid-way loses nothing and the next start carries on.

use rusqlite::{params, Connection, OptionalExtension};

use super::packed;
use super::schema::RAW_TABLE;
use crate::store::StoreError;

pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let renamed: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'readings_v1'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if renamed.is_none() {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; ALTER TABLE readings RENAME TO readings_v1; {RAW_TABLE} COMMIT;"
        ))?;
    }
    let mut moved = 0u64;
    loop {
        let tx = conn.transaction()?;
        let sensor: Option<i64> = tx
            .query_row("SELECT sensor_key FROM readings_v1 LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(sensor) = sensor else {
            tx.execute_batch("DROP TABLE readings_v1; PRAGMA user_version = 2;")?;
            tx.commit()?;
            if moved > 0 {
                tracing::info!(
                    readings = moved,
                    "store schema upgraded to one raw row per sensor and time"
                );
            }
            return Ok(());
        };
        moved += move_sensor(&tx, sensor)?;
        tx.execute("DELETE FROM readings_v1 WHERE sensor_key = ?1", [sensor])?;
        tx.commit()?;
    }
}

/// Packs one sensor's old rows, time by time; returns how many readings moved.
fn move_sensor(tx: &rusqlite::Transaction, sensor: i64) -> Result<u64, StoreError> {
    let mut read = tx.prepare(
        "SELECT ts, metric_key, value, seq FROM readings_v1 WHERE sensor_key = ?1 ORDER BY ts, metric_key",
    )?;
    let mut insert =
        tx.prepare("INSERT INTO readings (sensor_key, ts, seq, metrics) VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = read.query([sensor])?;
    let (mut moved, mut blob) = (0u64, Vec::new());
    let mut current: Option<(i64, Option<i64>)> = None;
    let mut entries: Vec<(i64, f64)> = Vec::new();
    let mut flush = |at: Option<(i64, Option<i64>)>, entries: &mut Vec<(i64, f64)>| {
        if let Some((ts, seq)) = at {
            blob.clear();
            packed::encode(entries, &mut blob)?;
            insert.execute(params![sensor, ts, seq, &blob[..]])?;
            entries.clear();
        }
        Ok::<_, StoreError>(())
    };
    while let Some(row) = rows.next()? {
        let (ts, metric, value, seq): (i64, i64, f64, Option<i64>) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        if current.is_some_and(|(t, _)| t != ts) {
            flush(current, &mut entries)?;
        }
        if current.is_none_or(|(t, _)| t != ts) {
            current = Some((ts, seq));
        }
        entries.push((metric, value));
        moved += 1;
    }
    flush(current, &mut entries)?;
    Ok(moved)
}
