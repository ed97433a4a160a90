//! The read path: rows of one sensor-metric or of a domain/district group, from the table
//! the plan chose. Rollup buckets not yet flushed (`fold.rs`) are answered from raw rows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::{params, Connection, OptionalExtension};

use super::packed;
use crate::model::{City, MetricIdx};
use crate::store::{Resolution, Row, Scope, SeriesQuery, StoreError};

/// Each row with the key of its sensor (`sensors.sensor_key`): [`sensor_ids`] names them.
pub(super) type KeyedRow = (i64, Row);

pub(super) fn rows(
    conn: &Connection,
    city: &City,
    q: &SeriesQuery,
    resolution: Resolution,
    complete_before: &AtomicI64,
) -> Result<Vec<KeyedRow>, StoreError> {
    // One snapshot for the whole answer. The cut-off is read before and after the snapshot
    // starts (with its first SELECT) and the earlier one kept: the writer lowers it before a
    // batch commits and raises it after a flush commits, so either way the raw rows read
    // cover every bucket this snapshot's rollups lack.
    let before = complete_before.load(Ordering::SeqCst);
    let tx = conn.unchecked_transaction()?;
    let metric = city.metric(q.metric);
    let domain = &city.domain(metric.domain).name;
    let Some(mk) = tx
        .query_row(
            "SELECT metric_key FROM metrics WHERE domain = ?1 AND name = ?2",
            params![domain, metric.name],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    else {
        return Ok(Vec::new()); // nothing of this metric was ever stored
    };
    let cut = before.min(complete_before.load(Ordering::SeqCst));
    let scope = ScopeParams::of(city, &q.scope);
    let table = match resolution {
        Resolution::Raw => return raw_rows(&tx, &scope, q.from_ms, q.to_ms, mk),
        Resolution::Minute => "rollup_1m",
        Resolution::Hour => "rollup_1h",
    };
    // A rollup bucket is included when it starts inside the range, aligned down to its size.
    let from = q.from_ms.div_euclid(resolution.step_ms()) * resolution.step_ms();
    // The cut-off is an hour's start, so it splits no bucket of either size.
    let mut rows = rollup_rows(&tx, &scope, table, mk, from, q.to_ms.min(cut))?;
    if cut < q.to_ms {
        let step = resolution.step_ms();
        rows.extend(raw_buckets(&tx, &scope, from.max(cut), q.to_ms, mk, step)?);
    }
    Ok(rows)
}

fn rollup_rows(
    conn: &Connection,
    scope: &ScopeParams,
    table: &str,
    mk: i64,
    from: i64,
    to: i64,
) -> Result<Vec<KeyedRow>, StoreError> {
    if from >= to {
        return Ok(Vec::new());
    }
    let select = format!(
        "SELECT r.sensor_key, r.bucket, r.count, r.sum, r.min, r.max, r.last, r.last_ts \
         FROM {table} r"
    );
    let sql = scope.sql(&select, "r.bucket", true);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![scope.first, scope.district, mk, from, to], |row| {
            Ok((row.get(0)?, stored_row(row, 1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Raw rows folded into the buckets a flush would have written (one per sensor and bucket),
/// for the part of a range whose rollups are still open in the writer.
fn raw_buckets(
    conn: &Connection,
    scope: &ScopeParams,
    from: i64,
    to: i64,
    metric_key: i64,
    step_ms: i64,
) -> Result<Vec<KeyedRow>, StoreError> {
    let select = "SELECT r.sensor_key, r.ts, r.metrics FROM readings r";
    let mut stmt = conn.prepare_cached(&scope.sql(select, "r.ts", false))?;
    let mut found = stmt.query(params![scope.first, scope.district, metric_key, from, to])?;
    let mut buckets: BTreeMap<(i64, i64), Row> = BTreeMap::new();
    while let Some(row) = found.next()? {
        let Some(value) = packed::value_of(row.get_ref(2)?.as_blob()?, metric_key)? else {
            continue;
        };
        let ts: i64 = row.get(1)?;
        let bucket = ts.div_euclid(step_ms) * step_ms;
        let one = Row::raw(ts, value);
        buckets
            .entry((row.get(0)?, bucket))
            .and_modify(|b| b.merge(&one))
            .or_insert(Row { t: bucket, ..one });
    }
    Ok(buckets
        .into_iter()
        .map(|((key, _), row)| (key, row))
        .collect())
}

/// Raw rows: each stored row holds all of a sensor's metrics at one time; the ones without
/// this metric are skipped.
fn raw_rows(
    conn: &Connection,
    scope: &ScopeParams,
    from: i64,
    to: i64,
    metric_key: i64,
) -> Result<Vec<KeyedRow>, StoreError> {
    let select = "SELECT r.sensor_key, r.ts, r.metrics FROM readings r";
    let sql = scope.sql(select, "r.ts", false);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut found = stmt.query(params![scope.first, scope.district, metric_key, from, to])?;
    let mut out = Vec::new();
    while let Some(row) = found.next()? {
        let blob = row.get_ref(2)?.as_blob()?;
        if let Some(value) = packed::value_of(blob, metric_key)? {
            out.push((row.get(0)?, Row::raw(row.get(1)?, value)));
        }
    }
    Ok(out)
}

/// A query's scope as SQL parameters, bound the same way for every table: `?1` the sensor id
/// or the domain, `?2` the district (NULL for the whole city), `?3` the metric key, `?4` and
/// `?5` the time range.
struct ScopeParams<'a> {
    sensor: bool,
    first: &'a str,
    district: Option<&'a str>,
}

impl<'a> ScopeParams<'a> {
    fn of(city: &'a City, scope: &'a Scope) -> Self {
        match scope {
            Scope::Sensor(id) => ScopeParams {
                sensor: true,
                first: id,
                district: None,
            },
            Scope::Group { domain, district } => ScopeParams {
                sensor: false,
                first: &city.domain(*domain).name,
                district: district.map(|x| city.district(x).id.as_str()),
            },
        }
    }

    /// `select` (rows `r`, timed by `time`) narrowed to the scope, the range and, when the
    /// table has one row per metric, the metric; one sensor's rows come in time order.
    fn sql(&self, select: &str, time: &str, per_metric: bool) -> String {
        let metric = if per_metric {
            " AND r.metric_key = ?3"
        } else {
            ""
        };
        let (who, order) = if self.sensor {
            ("s.id = ?1", format!(" ORDER BY {time}"))
        } else {
            (
                "s.domain = ?1 AND (?2 IS NULL OR s.district = ?2)",
                String::new(),
            )
        };
        format!(
            "{select} JOIN sensors s ON s.sensor_key = r.sensor_key \
             WHERE {who}{metric} AND {time} >= ?4 AND {time} < ?5{order}"
        )
    }
}

/// The id of every sensor key in `keyed`, looked up once each.
pub(super) fn sensor_ids(
    conn: &Connection,
    keyed: Vec<KeyedRow>,
) -> Result<Vec<(std::sync::Arc<str>, Row)>, StoreError> {
    let mut ids: std::collections::HashMap<i64, std::sync::Arc<str>> = Default::default();
    let mut stmt = conn.prepare_cached("SELECT id FROM sensors WHERE sensor_key = ?1")?;
    let mut out = Vec::with_capacity(keyed.len());
    for (key, row) in keyed {
        let id = match ids.get(&key) {
            Some(id) => id.clone(),
            None => {
                let id: std::sync::Arc<str> =
                    stmt.query_row([key], |r| r.get::<_, String>(0))?.into();
                ids.insert(key, id.clone());
                id
            }
        };
        out.push((id, row));
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
