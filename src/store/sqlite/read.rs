//! The read path: rows of one sensor-metric or of a domain/district group, from the table
//! the plan chose.

use rusqlite::{params, Connection, OptionalExtension};

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
    // A rollup bucket is included when it starts inside the range, aligned down to its size.
    let from = q.from_ms.div_euclid(resolution.step_ms()) * resolution.step_ms();
    let source = match resolution {
        Resolution::Raw => {
            "SELECT r.ts, 1, r.value, r.value, r.value, r.value, r.ts FROM readings r"
        }
        Resolution::Minute => {
            "SELECT r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts FROM rollup_1m r"
        }
        Resolution::Hour => {
            "SELECT r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts FROM rollup_1h r"
        }
    };
    let t = if resolution == Resolution::Raw {
        "r.ts"
    } else {
        "r.bucket"
    };
    let map = |row: &rusqlite::Row| stored_row(row, 0);
    let rows = match &q.scope {
        Scope::Sensor(id) => {
            let sql = format!("{source} JOIN sensors s ON s.sensor_key = r.sensor_key WHERE s.id = ?1 AND r.metric_key = ?2 AND {t} >= ?3 AND {t} < ?4 ORDER BY {t}");
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
                 WHERE s.domain = ?1 AND (?2 IS NULL OR s.district = ?2) AND r.metric_key = ?3 AND {t} >= ?4 AND {t} < ?5"
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
