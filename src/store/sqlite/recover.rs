//! At open: the rollup buckets a crash left unflushed (listed in `rollup_pending` by the
//! batches that touched them, `fold.rs`) are recomputed from the raw rows, then the list is
//! emptied, in one transaction.
//!
//! Recomputing replaces the stored bucket: the bucket may already hold part of its readings
//! (flushed before the crash) and the raw rows hold all of them. The raw rows of a listed
//! bucket are complete: a bucket of an hour retention may have thinned is never listed
//! (`write.rs`, `raw_pruned_before`), and retention flushes before it deletes.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, Transaction};

use super::fold::{hour_of, HOUR_MS, MINUTE_MS};
use super::packed;
use crate::store::{Row, StoreError};

/// Recomputes every listed minute bucket and the hour holding it; returns how many buckets.
pub(super) fn recompute_pending(conn: &mut Connection) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let listed: Vec<(i64, i64, i64)> = {
        let mut stmt = tx.prepare(
            "SELECT DISTINCT sensor_key, metric_key, minute FROM rollup_pending ORDER BY 1, 2, 3",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    if listed.is_empty() {
        return Ok(0);
    }
    let mut hours = BTreeSet::new();
    for &(sk, mk, minute) in &listed {
        replace(&tx, "rollup_1m", (sk, mk, minute), MINUTE_MS)?;
        hours.insert((sk, mk, hour_of(minute)));
    }
    for &key in &hours {
        replace(&tx, "rollup_1h", key, HOUR_MS)?;
    }
    tx.execute("DELETE FROM rollup_pending", [])?;
    tx.commit()?;
    let buckets = listed.len() + hours.len();
    tracing::info!(
        buckets,
        "rollups left unflushed by the last run recomputed from raw readings"
    );
    Ok(buckets)
}

/// Sets the bucket `(sensor, metric, start)` of `table` to the aggregate of its raw rows.
fn replace(
    tx: &Transaction,
    table: &str,
    (sk, mk, start): (i64, i64, i64),
    len_ms: i64,
) -> Result<(), StoreError> {
    let mut read = tx.prepare_cached(
        "SELECT ts, metrics FROM readings WHERE sensor_key = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts",
    )?;
    let mut found = read.query(params![sk, start, start + len_ms])?;
    let mut agg: Option<Row> = None;
    while let Some(row) = found.next()? {
        let Some(value) = packed::value_of(row.get_ref(1)?.as_blob()?, mk)? else {
            continue;
        };
        let one = Row::raw(row.get(0)?, value);
        match &mut agg {
            Some(b) => b.merge(&one),
            None => agg = Some(one),
        }
    }
    match agg {
        Some(b) => {
            tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO {table} (sensor_key, metric_key, bucket, count, sum, min, max, last, last_ts)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![sk, mk, start, b.count as i64, b.sum, b.min, b.max, b.last, b.last_ts])?;
        }
        None => {
            tx.prepare_cached(&format!(
                "DELETE FROM {table} WHERE sensor_key = ?1 AND metric_key = ?2 AND bucket = ?3"
            ))?
            .execute(params![sk, mk, start])?;
        }
    }
    Ok(())
}
