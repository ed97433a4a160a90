//! The read path: rows of one sensor-metric or of a domain/district group, from the table
//! the plan chose.

use rusqlite::{params, Connection, OptionalExtension};

use super::packed;
use crate::model::{City, MetricIdx};
use crate::store::{Resolution, Row, Scope, SeriesQuery, StoreError};

pub(super) fn rows(
    conn: &Connection,
    city: &City,
    q: &SeriesQuery,
    resolution: Resolution,
) -> Result<Vec<Row>, StoreError> {
    let metric = city.metric(q.metric);
    let domain = &city.domain(metric.domain).name;
    let Some(mk) = conn
        .query_row(
            "SELECT metric_key FROM metrics WHERE domain = ?1 AND name = ?2",
            params![domain, metric.name],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    else {
        return Ok(Vec::new()); // nothing of this metric was ever stored
    };
    let table = match resolution {
        Resolution::Raw => return raw_rows(conn, city, q, mk),
        Resolution::Minute => "rollup_1m",
        Resolution::Hour => "rollup_1h",
    };
    // A rollup bucket is included when it starts inside the range, aligned down to its size.
    let from = q.from_ms.div_euclid(resolution.step_ms()) * resolution.step_ms();
    let source =
        format!("SELECT r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts FROM {table} r");
    let map = |row: &rusqlite::Row| stored_row(row, 0);
    let rows = match &q.scope {
        Scope::Sensor(id) => {
            let sql = format!("{source} JOIN sensors s ON s.sensor_key = r.sensor_key WHERE s.id = ?1 AND r.metric_key = ?2 AND r.bucket >= ?3 AND r.bucket < ?4 ORDER BY r.bucket");
            let mut stmt = conn.prepare_cached(&sql)?;
            let out = stmt
                .query_map(params![id, mk, from, q.to_ms], map)?
                .collect::<Result<Vec<_>, _>>()?;
            out
        }
        Scope::Group {
            domain: d,
            district,
        } => {
            let domain = &city.domain(*d).name;
            let district = district.map(|x| city.district(x).id.as_str());
            let sql = format!(
                "{source} JOIN sensors s ON s.sensor_key = r.sensor_key
                 WHERE s.domain = ?1 AND (?2 IS NULL OR s.district = ?2) AND r.metric_key = ?3 AND r.bucket >= ?4 AND r.bucket < ?5"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let out = stmt
                .query_map(params![domain, district, mk, from, q.to_ms], map)?
                .collect::<Result<Vec<_>, _>>()?;
            out
        }
    };
    Ok(rows)
}

/// Raw rows: each stored row holds all of a sensor's metrics at one time; the ones without
/// this metric are skipped.
fn raw_rows(
    conn: &Connection,
    city: &City,
    q: &SeriesQuery,
    metric_key: i64,
) -> Result<Vec<Row>, StoreError> {
    let mut out = Vec::new();
    let mut take = |mut found: rusqlite::Rows| -> Result<(), StoreError> {
        while let Some(row) = found.next()? {
            let blob = row.get_ref(1)?.as_blob()?;
            if let Some(value) = packed::value_of(blob, metric_key)? {
                out.push(Row::raw(row.get(0)?, value));
            }
        }
        Ok(())
    };
    match &q.scope {
        Scope::Sensor(id) => {
            let mut stmt = conn.prepare_cached(
                "SELECT r.ts, r.metrics FROM readings r JOIN sensors s ON s.sensor_key = r.sensor_key
                 WHERE s.id = ?1 AND r.ts >= ?2 AND r.ts < ?3 ORDER BY r.ts",
            )?;
            take(stmt.query(params![id, q.from_ms, q.to_ms])?)?;
        }
        Scope::Group {
            domain: d,
            district,
        } => {
            let domain = &city.domain(*d).name;
            let district = district.map(|x| city.district(x).id.as_str());
            let mut stmt = conn.prepare_cached(
                "SELECT r.ts, r.metrics FROM readings r JOIN sensors s ON s.sensor_key = r.sensor_key
                 WHERE s.domain = ?1 AND (?2 IS NULL OR s.district = ?2) AND r.ts >= ?3 AND r.ts < ?4",
            )?;
            take(stmt.query(params![domain, district, q.from_ms, q.to_ms])?)?;
        }
    }
    Ok(out)
}

pub(super) fn hourly_rollups(
    conn: &Connection,
    city: &City,
    metrics: &[MetricIdx],
    from_ms: i64,
) -> Result<Vec<(String, MetricIdx, Row)>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts FROM rollup_1h r
         JOIN sensors s ON s.sensor_key = r.sensor_key JOIN metrics m ON m.metric_key = r.metric_key
         WHERE m.domain = ?1 AND m.name = ?2 AND r.bucket >= ?3",
    )?;
    for &metric in metrics {
        let m = city.metric(metric);
        let domain = &city.domain(m.domain).name;
        let rows = stmt.query_map(params![domain, m.name, from_ms], |row| {
            Ok((row.get::<_, String>(0)?, stored_row(row, 1)?))
        })?;
        for r in rows {
            let (sensor, row) = r?;
            out.push((sensor, metric, row));
        }
    }
    Ok(out)
}

/// A `Row` from seven columns starting at `first`: time, count, sum, min, max, last, last_ts.
fn stored_row(row: &rusqlite::Row, first: usize) -> rusqlite::Result<Row> {
    Ok(Row {
        t: row.get(first)?,
        count: row.get::<_, i64>(first + 1)? as u64,
        sum: row.get(first + 2)?,
        min: row.get(first + 3)?,
        max: row.get(first + 4)?,
        last: row.get(first + 5)?,
        last_ts: row.get(first + 6)?,
    })
}
