//! The export outbox: one row per sensor and source time of fresh readings, enqueued in the
//! write's own transaction (a reading is in the outbox exactly when it is stored). Rows are
//! data — domain, district, sensor, time, and the values packed as in raw rows (`packed.rs`,
//! keyed by metric) — and only `export/` turns them into line protocol. Rows left by schema 2
//! hold a formatted `line` instead (`migrate_v2.rs`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::{params, Connection, Transaction};

use super::packed;
use super::write::Keys;
use crate::model::Reading;
use crate::shell::now_ms;
use crate::store::{OutboxEntry, OutboxPoint, StoreError};

/// Export outbox bookkeeping. The counters are shared with `SqliteStore`'s outbox stats.
pub(super) struct Counters {
    pub max_lines: u64,
    pub lines: Arc<AtomicU64>,
    pub dropped: Arc<AtomicU64>,
}

/// Adds one row per (sensor, timestamp) of the fresh readings, unless the outbox is full;
/// returns how many. `keys` already holds the key of every reading's metric.
pub(super) fn enqueue(
    tx: &Transaction,
    keys: &mut Keys,
    outbox: &Counters,
    readings: &[Reading],
    fresh: &[bool],
) -> Result<u64, StoreError> {
    let mut points: BTreeMap<(&str, i64), Vec<&Reading>> = BTreeMap::new();
    for (r, _) in readings.iter().zip(fresh).filter(|(_, f)| **f) {
        points.entry((&r.sensor, r.ts_ms)).or_default().push(r);
    }
    let room = outbox
        .max_lines
        .saturating_sub(outbox.lines.load(Ordering::Relaxed));
    let wanted = points.len() as u64;
    if wanted > room {
        outbox.dropped.fetch_add(wanted - room, Ordering::Relaxed);
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO outbox (enqueued_ms, domain, district, sensor, ts, fields) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let now = now_ms();
    let (mut fields, mut blob): (Vec<(i64, f64)>, Vec<u8>) = (Vec::new(), Vec::new());
    for ((sensor, ts), rs) in points.into_iter().take(room as usize) {
        fields.clear();
        for r in &rs {
            fields.push((keys.metric(tx, r.metric)?, r.value));
        }
        blob.clear();
        packed::encode(&fields, &mut blob)?;
        let city = keys.city();
        stmt.execute(params![
            now,
            city.domain(rs[0].domain).name,
            city.district(rs[0].district).id,
            sensor,
            ts,
            &blob[..]
        ])?;
    }
    Ok(wanted.min(room))
}

/// The oldest `limit` entries, in order.
pub(super) fn peek(conn: &Connection, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut names = conn.prepare_cached("SELECT metric_key, name FROM metrics")?;
    let names: HashMap<i64, String> = names
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, enqueued_ms, domain, district, sensor, ts, fields, line \
         FROM outbox ORDER BY id LIMIT ?1",
    )?;
    let mut rows = stmt.query([limit as i64])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (id, enqueued_ms) = (r.get(0)?, r.get(1)?);
        let point = match r.get::<_, Option<String>>(7)? {
            Some(line) => OutboxPoint::Line(line),
            None => OutboxPoint::Readings {
                domain: r.get(2)?,
                district: r.get(3)?,
                sensor: r.get(4)?,
                ts_ms: r.get(5)?,
                fields: fields(id, &r.get::<_, Vec<u8>>(6)?, &names)?,
            },
        };
        out.push(OutboxEntry {
            id,
            enqueued_ms,
            point,
        });
    }
    Ok(out)
}

/// The named values of one row's packed blob.
fn fields(
    id: i64,
    blob: &[u8],
    names: &HashMap<i64, String>,
) -> Result<Vec<(String, f64)>, StoreError> {
    let damaged = |detail: String| StoreError::BadOutboxEntry { id, detail };
    let fields = packed::decode(blob)
        .map_err(|e| damaged(e.to_string()))?
        .map(|(key, value)| match names.get(&key) {
            Some(name) => Ok((name.clone(), value)),
            None => Err(damaged(format!("unknown metric key {key}"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if fields.is_empty() {
        return Err(damaged("no values".into()));
    }
    Ok(fields)
}

/// Deletes the entries with `id <= through`; returns how many.
pub(super) fn remove_through(conn: &Connection, through: i64) -> Result<u64, StoreError> {
    Ok(conn.execute("DELETE FROM outbox WHERE id <= ?1", params![through])? as u64)
}
