//! Retention: each table loses what is older than its horizon. Deletes go sensor by sensor
//! (raw rows) or sensor-metric by sensor-metric (rollups) along the primary key, so no extra
//! index on time is needed. How far raw rows were deleted is kept in `store_meta` (the writer
//! folds no rollup bucket whose raw rows may be gone, `write.rs`); the caller flushes the
//! open rollup buckets first.

use rusqlite::{params, Connection};

use crate::store::{RetentionPolicy, RetentionReport, StoreError};

/// `seq_seen` only needs to outlive redeliveries.
const SEQ_SEEN_MS: i64 = 86_400_000;

pub(super) fn enforce(
    conn: &mut Connection,
    policy: &RetentionPolicy,
    now_ms: i64,
) -> Result<RetentionReport, StoreError> {
    let tx = conn.transaction()?;
    let pairs: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare("SELECT s.sensor_key, m.metric_key FROM sensors s JOIN metrics m ON m.domain = s.domain")?;
        let out = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        out
    };
    let mut report = RetentionReport::default();
    {
        let mut stmt = tx.prepare("DELETE FROM readings WHERE sensor_key = ?1 AND ts < ?2")?;
        let mut sensors = tx.prepare("SELECT sensor_key FROM sensors")?;
        let keys = sensors
            .query_map([], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for sk in keys {
            report.raw += stmt.execute(params![sk, now_ms - policy.raw_ms])?;
        }
    }
    for (table, horizon, count) in [
        ("rollup_1m", policy.rollup_1m_ms, &mut report.rollup_1m),
        ("rollup_1h", policy.rollup_1h_ms, &mut report.rollup_1h),
    ] {
        let mut stmt = tx.prepare(&format!(
            "DELETE FROM {table} WHERE sensor_key = ?1 AND metric_key = ?2 AND bucket < ?3"
        ))?;
        for (sk, mk) in &pairs {
            *count += stmt.execute(params![sk, mk, now_ms - horizon])?;
        }
    }
    super::rejections::prune(&tx, now_ms - policy.rollup_1h_ms)?;
    super::revisions::prune(&tx, now_ms - policy.rollup_1h_ms)?;
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ('raw_pruned_before', ?1)
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
        [now_ms - policy.raw_ms],
    )?;
    tx.execute("DELETE FROM seq_seen WHERE ts < ?1", [now_ms - SEQ_SEEN_MS])?;
    tx.commit()?;
    Ok(report)
}
