//! Retention: each table loses what is older than its horizon. Deletes go sensor-metric by
//! sensor-metric along the primary key, so no extra index on time is needed.

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
    for (table, horizon, count) in [
        ("readings", policy.raw_ms, &mut report.raw),
        ("rollup_1m", policy.rollup_1m_ms, &mut report.rollup_1m),
        ("rollup_1h", policy.rollup_1h_ms, &mut report.rollup_1h),
    ] {
        let t = if table == "readings" { "ts" } else { "bucket" };
        let mut stmt = tx.prepare(&format!(
            "DELETE FROM {table} WHERE sensor_key = ?1 AND metric_key = ?2 AND {t} < ?3"
        ))?;
        for (sk, mk) in &pairs {
            *count += stmt.execute(params![sk, mk, now_ms - horizon])?;
        }
    }
    tx.execute("DELETE FROM seq_seen WHERE ts < ?1", [now_ms - SEQ_SEEN_MS])?;
    tx.commit()?;
    Ok(report)
}
