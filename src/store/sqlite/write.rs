//! The write path: one transaction per batch — raw rows (one per sensor and time, see
//! `packed.rs`), seq de-duplication, rollups, the export outbox (`outbox.rs`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::outbox::{self, Counters};
use super::raw_rows::SensorRows;
use crate::model::{City, MetricIdx, Reading};
use crate::store::{Row, StoreError, WriteReport};

/// A reading timed on receipt whose `seq` matches one stored within this window is a
/// redelivered copy. Outside it, the sensor's counter has restarted.
const SEQ_WINDOW_MS: i64 = 10 * 60_000;

pub(super) struct Writer {
    conn: Connection,
    keys: Keys,
    /// Set when export is configured: fresh readings also become outbox rows.
    outbox: Option<Counters>,
}

/// Integer keys of sensors and metrics, cached after their first use.
pub(super) struct Keys {
    city: Arc<City>,
    sensors: HashMap<Arc<str>, i64>,
    metrics: HashMap<MetricIdx, i64>,
}

type BucketKey = (i64, i64, i64);

impl Writer {
    pub fn new(conn: Connection, city: Arc<City>) -> Result<Writer, StoreError> {
        Ok(Writer {
            conn,
            keys: Keys {
                city,
                sensors: HashMap::new(),
                metrics: HashMap::new(),
            },
            outbox: None,
        })
    }

    pub fn set_outbox(&mut self, outbox: Counters) {
        self.outbox = Some(outbox);
    }

    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn write(&mut self, readings: &[Reading]) -> Result<WriteReport, StoreError> {
        let tx = self.conn.transaction()?;
        let result = write_in(&tx, &mut self.keys, readings).and_then(|report| {
            let enqueued = match &self.outbox {
                Some(outbox) => {
                    outbox::enqueue(&tx, &mut self.keys, outbox, readings, &report.fresh)?
                }
                None => 0,
            };
            Ok((report, enqueued))
        });
        match result {
            Ok((report, enqueued)) => {
                tx.commit()?;
                if let Some(outbox) = &self.outbox {
                    outbox.lines.fetch_add(enqueued, Ordering::Relaxed);
                }
                Ok(report)
            }
            Err(e) => {
                // Keys cached during a rolled-back transaction may not exist on disk.
                self.keys.sensors.clear();
                self.keys.metrics.clear();
                Err(e)
            }
        }
    }
}

fn write_in(
    tx: &Transaction,
    keys: &mut Keys,
    readings: &[Reading],
) -> Result<WriteReport, StoreError> {
    let mut seq_seen = tx.prepare_cached(
        "SELECT ts FROM seq_seen WHERE sensor_key = ?1 AND metric_key = ?2 AND seq = ?3",
    )?;
    let mut seq_put = tx.prepare_cached(
        "INSERT OR REPLACE INTO seq_seen (sensor_key, metric_key, seq, ts) VALUES (?1, ?2, ?3, ?4)",
    )?;
    // Keys once per reading; the readings of one message share their sensor's `Arc`.
    let mut keyed: Vec<(i64, i64)> = Vec::with_capacity(readings.len());
    let mut last: Option<(&Arc<str>, i64)> = None;
    for r in readings {
        let sk = match last {
            Some((s, k)) if Arc::ptr_eq(s, &r.sensor) => k,
            _ => keys.sensor(tx, r)?,
        };
        last = Some((&r.sensor, sk));
        keyed.push((sk, keys.metric(tx, r.metric)?));
    }
    // Sensor by sensor, each in arrival order (a stable sort, so duplicates and receipt-time
    // shifts resolve exactly as in arrival order: they only ever involve one sensor). Each
    // sensor's rows are written in time order, so consecutive inserts land on the same leaf
    // pages, and its rollup buckets are adjacent, merged without hashing.
    let mut order: Vec<usize> = (0..readings.len()).collect();
    order.sort_by_key(|&i| keyed[i].0);
    let mut fresh = vec![false; readings.len()];
    let mut minutes: Vec<(BucketKey, Row)> = Vec::new();
    let mut hours: Vec<(BucketKey, Row)> = Vec::new();
    let mut blob = Vec::new();
    for sensor in order.chunk_by(|&a, &b| keyed[a].0 == keyed[b].0) {
        let sk = keyed[sensor[0]].0;
        let (sensor_m, sensor_h) = (minutes.len(), hours.len());
        let mut rows = SensorRows::load(tx, sk, sensor.iter().map(|&i| &readings[i]))?;
        for &i in sensor {
            let (r, mk) = (&readings[i], keyed[i].1);
            if let (true, Some(seq)) = (r.ts_received, r.seq.map(|s| s as i64)) {
                let seen: Option<i64> = seq_seen
                    .query_row(params![sk, mk, seq], |row| row.get(0))
                    .optional()?;
                if seen.is_some_and(|ts| (ts - r.ts_ms).abs() <= SEQ_WINDOW_MS) {
                    continue;
                }
                seq_put.execute(params![sk, mk, seq, r.ts_ms])?;
            }
            let Some(ts) = rows.add(r, mk) else {
                continue;
            };
            fresh[i] = true;
            let minute = (sk, mk, ts.div_euclid(60_000) * 60_000);
            merge(&mut minutes[sensor_m..], minute, ts, r.value)
                .unwrap_or_else(|| minutes.push((minute, bucket(minute, ts, r.value))));
            let hour = (sk, mk, ts.div_euclid(3_600_000) * 3_600_000);
            merge(&mut hours[sensor_h..], hour, ts, r.value)
                .unwrap_or_else(|| hours.push((hour, bucket(hour, ts, r.value))));
        }
        rows.flush(tx, &mut blob)?;
    }
    upsert(tx, "rollup_1m", &minutes)?;
    upsert(tx, "rollup_1h", &hours)?;
    Ok(WriteReport { fresh })
}

/// Folds a reading into its bucket among one series' buckets (newest last, usually the one);
/// `None` when the bucket is not there yet.
fn merge(buckets: &mut [(BucketKey, Row)], key: BucketKey, ts: i64, value: f64) -> Option<()> {
    let (_, b) = buckets.iter_mut().rev().find(|(k, _)| *k == key)?;
    b.count += 1;
    b.sum += value;
    b.min = b.min.min(value);
    b.max = b.max.max(value);
    if ts >= b.last_ts {
        b.last = value;
        b.last_ts = ts;
    }
    Some(())
}

fn bucket(key: BucketKey, ts: i64, value: f64) -> Row {
    Row {
        t: key.2,
        ..Row::raw(ts, value)
    }
}

fn upsert(tx: &Transaction, table: &str, buckets: &[(BucketKey, Row)]) -> Result<(), StoreError> {
    // In an UPDATE every right-hand side sees the old row, so `last` compares with the old last_ts.
    let sql = format!(
        "INSERT INTO {table} (sensor_key, metric_key, bucket, count, sum, min, max, last, last_ts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (sensor_key, metric_key, bucket) DO UPDATE SET
           count = count + excluded.count, sum = sum + excluded.sum,
           min = min(min, excluded.min), max = max(max, excluded.max),
           last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
           last_ts = max(last_ts, excluded.last_ts)"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    for &((sk, mk, bucket), ref b) in buckets {
        stmt.execute(params![
            sk,
            mk,
            bucket,
            b.count as i64,
            b.sum,
            b.min,
            b.max,
            b.last,
            b.last_ts
        ])?;
    }
    Ok(())
}

impl Keys {
    fn sensor(&mut self, tx: &Transaction, r: &Reading) -> Result<i64, StoreError> {
        if let Some(k) = self.sensors.get(&r.sensor) {
            return Ok(*k);
        }
        let domain = &self.city.domain(r.domain).name;
        let district = &self.city.district(r.district).id;
        tx.execute("INSERT INTO sensors (id, domain, district) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING", params![&*r.sensor, domain, district])?;
        let k: i64 = tx.query_row(
            "SELECT sensor_key FROM sensors WHERE id = ?1",
            [&*r.sensor],
            |row| row.get(0),
        )?;
        self.sensors.insert(r.sensor.clone(), k);
        Ok(k)
    }

    pub(super) fn city(&self) -> &City {
        &self.city
    }

    /// The key of metric `m`, inserted in `tx` at its first use.
    pub(super) fn metric(&mut self, tx: &Transaction, m: MetricIdx) -> Result<i64, StoreError> {
        if let Some(k) = self.metrics.get(&m) {
            return Ok(*k);
        }
        let metric = self.city.metric(m);
        let domain = &self.city.domain(metric.domain).name;
        tx.execute("INSERT INTO metrics (domain, name) VALUES (?1, ?2) ON CONFLICT (domain, name) DO NOTHING", params![domain, metric.name])?;
        let k: i64 = tx.query_row(
            "SELECT metric_key FROM metrics WHERE domain = ?1 AND name = ?2",
            params![domain, metric.name],
            |row| row.get(0),
        )?;
        self.metrics.insert(m, k);
        Ok(k)
    }
}
