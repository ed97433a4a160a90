//! When each sensor's past hours were revised: a fresh reading of an hour that had already
//! ended when it was written (late data, an import) changes that hour's rollups, and with them
//! the indicator history computed from them. Recorded in the readings' transaction, one row
//! per sensor and hour with the latest revision; kept as long as the hour rollups. Live data of
//! the current hour records nothing.

use rusqlite::{params, Connection, Transaction};

use super::fold::BucketKey;
use crate::model::City;
use crate::store::{Row, Scope, StoreError};

const HOUR_MS: i64 = 3_600_000;

pub(super) const TABLE: &str = "CREATE TABLE IF NOT EXISTS revisions (
    sensor_key INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    revised_ms INTEGER NOT NULL,
    PRIMARY KEY (sensor_key, hour)
) WITHOUT ROWID";

/// Records the hours before `now_ms`'s that the batch's fresh readings (`buckets`, minute
/// buckets keyed by sensor) changed.
pub(super) fn record(
    tx: &Transaction,
    buckets: &[(BucketKey, Row)],
    now_ms: i64,
) -> Result<(), StoreError> {
    let current = now_ms.div_euclid(HOUR_MS) * HOUR_MS;
    let mut late: Vec<(i64, i64)> = buckets
        .iter()
        .map(|((sensor, _, minute), _)| (*sensor, minute.div_euclid(HOUR_MS) * HOUR_MS))
        .filter(|(_, hour)| *hour < current)
        .collect();
    if late.is_empty() {
        return Ok(());
    }
    late.sort_unstable();
    late.dedup();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO revisions (sensor_key, hour, revised_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (sensor_key, hour) DO UPDATE SET revised_ms = max(revised_ms, excluded.revised_ms)",
    )?;
    for (sensor, hour) in late {
        stmt.execute(params![sensor, hour, now_ms])?;
    }
    Ok(())
}

/// The latest revision of each hour in `[from_ms, to_ms)` of `scope`'s sensors, by hour.
pub(super) fn read(
    conn: &Connection,
    city: &City,
    scope: &Scope,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let (filter, a, b) = match scope {
        Scope::Sensor(id) => ("s.id = ?3 AND ?4 IS NULL", id.clone(), None),
        Scope::Group { domain, district } => (
            "s.domain = ?3 AND (?4 IS NULL OR s.district = ?4)",
            city.domain(*domain).name.clone(),
            district.map(|d| city.district(d).id.clone()),
        ),
    };
    let sql = format!(
        "SELECT r.hour, max(r.revised_ms) FROM revisions r JOIN sensors s ON s.sensor_key = r.sensor_key \
         WHERE r.hour >= ?1 AND r.hour < ?2 AND {filter} GROUP BY r.hour ORDER BY r.hour"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![from_ms, to_ms, a, b], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn prune(tx: &Transaction, before: i64) -> Result<usize, StoreError> {
    Ok(tx.execute("DELETE FROM revisions WHERE hour < ?1", [before])?)
}
