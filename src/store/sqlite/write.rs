//! The write path: one transaction per batch — raw rows (one per sensor and time, see
//! `packed.rs`), seq de-duplication, rollups (folded in memory between flushes, `fold.rs`),
//! the export outbox (`outbox.rs`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::fold::{self, hour_of, BatchBuckets, BucketKey, OpenBuckets};
use super::open_bucket::compact;
use super::outbox::{self, Counters};
use super::raw_rows::{SensorRows, Tails};
use crate::model::{City, FastMap, MetricIdx, Reading};
use crate::store::{Row, StoreError, WriteReport};

/// A reading timed on receipt whose `seq` matches one stored within this window is a
/// redelivered copy. Outside it, the sensor's counter has restarted.
const SEQ_WINDOW_MS: i64 = 10 * 60_000;

pub(super) struct Writer {
    conn: Connection,
    keys: Keys,
    tails: Tails,
    /// Set when export is configured: fresh readings also become outbox rows.
    outbox: Option<Counters>,
    /// The open rollup buckets, written every flush interval.
    open: OpenBuckets,
    /// Raw rows before this time may have been deleted by retention (`store_meta`): a bucket
    /// of an hour before it cannot be recomputed from raw rows after a crash, so its readings
    /// are upserted in their own batch, as before folding.
    raw_pruned_before: i64,
}

/// Integer keys of sensors and metrics, cached after their first use.
pub(super) struct Keys {
    city: Arc<City>,
    sensors: FastMap<Arc<str>, i64>,
    metrics: FastMap<MetricIdx, i64>,
}

impl Writer {
    pub fn new(
        conn: Connection,
        city: Arc<City>,
        complete_before: Arc<AtomicI64>,
    ) -> Result<Writer, StoreError> {
        let raw_pruned_before = conn
            .query_row(
                "SELECT value FROM store_meta WHERE key = 'raw_pruned_before'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(i64::MIN);
        Ok(Writer {
            conn,
            keys: Keys {
                city,
                sensors: FastMap::default(),
                metrics: FastMap::default(),
            },
            tails: Tails::default(),
            outbox: None,
            open: OpenBuckets::new(complete_before),
            raw_pruned_before,
        })
    }

    pub fn set_flush_interval(&mut self, interval: Duration) {
        self.open.set_interval(interval);
    }

    #[cfg(test)]
    pub fn set_flush_chunk(&mut self, chunk: usize) {
        self.open.set_chunk(chunk);
    }

    /// Writes every open rollup bucket now (shutdown, before retention, tests).
    pub fn flush_rollups(&mut self) -> Result<(), StoreError> {
        if self.open.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        self.open.flush(&tx)?;
        tx.commit()?;
        self.open.flushed();
        Ok(())
    }

    /// Retention deleted the raw rows before `cut` (after [`Writer::flush_rollups`]).
    pub fn raw_pruned(&mut self, cut: i64) {
        self.raw_pruned_before = self.raw_pruned_before.max(cut);
    }

    pub fn set_outbox(&mut self, outbox: Counters) {
        self.outbox = Some(outbox);
    }

    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn write(&mut self, readings: &[Reading]) -> Result<WriteReport, StoreError> {
        self.write_with(readings, |_, _| Ok(()))
    }

    /// As [`Writer::write`], running `also` in the same transaction (`ioc import` records how
    /// far it got with the readings that got it there).
    pub fn write_with(
        &mut self,
        readings: &[Reading],
        also: impl FnOnce(&Transaction, &WriteReport) -> Result<(), StoreError>,
    ) -> Result<WriteReport, StoreError> {
        let tx = self.conn.transaction()?;
        let result =
            write_in(&tx, &mut self.keys, &mut self.tails, readings).and_then(|(report, batch)| {
                let enqueued = match &self.outbox {
                    Some(outbox) => {
                        outbox::enqueue(&tx, &mut self.keys, outbox, readings, &report.fresh)?
                    }
                    None => 0,
                };
                super::revisions::record(&tx, &batch, crate::shell::now_ms())?;
                let (batch, direct) = split_pruned(batch, self.raw_pruned_before);
                fold::write_minutes(&tx, direct.into_iter())?;
                self.open.close_if_due(&tx, &batch)?;
                self.open.record(&tx, &batch)?;
                let written = self.open.step(&tx, &batch)?;
                also(&tx, &report)?;
                Ok((report, enqueued, batch, written))
            });
        match result {
            Ok((report, enqueued, batch, written)) => {
                tx.commit()?;
                self.open.absorb(batch, written);
                if let Some(outbox) = &self.outbox {
                    outbox.lines.fetch_add(enqueued, Ordering::Relaxed);
                }
                Ok(report)
            }
            Err(e) => {
                // Keys cached during a rolled-back transaction may not exist on disk; the
                // newest times it learnt are forgotten with them.
                self.keys.sensors.clear();
                self.keys.metrics.clear();
                self.tails.clear();
                Err(e)
            }
        }
    }
}

impl Drop for Writer {
    /// Closing flushes the open buckets; if that fails (or the process dies first), the next
    /// open recomputes them from raw rows (`recover.rs`).
    fn drop(&mut self) {
        if let Err(e) = self.flush_rollups() {
            tracing::warn!(error = %e, "rollups not flushed at close; the next open recomputes them");
        }
    }
}

/// The batch's buckets split into those folded in memory and those upserted at once: of hours
/// whose raw rows retention may have thinned (`Writer::raw_pruned_before`), or whose key has
/// no compact form (`open_bucket.rs`).
fn split_pruned(
    batch: Vec<(BucketKey, Row)>,
    pruned_before: i64,
) -> (BatchBuckets, Vec<(BucketKey, Row)>) {
    let mut kept = BatchBuckets::default();
    let mut direct = Vec::new();
    for (key, row) in batch {
        match compact(&key, &row).filter(|_| hour_of(key.2) >= pruned_before) {
            Some(open) => kept.minutes.push(open),
            None => direct.push((key, row)),
        }
    }
    (kept, direct)
}

fn write_in(
    tx: &Transaction,
    keys: &mut Keys,
    tails: &mut Tails,
    readings: &[Reading],
) -> Result<(WriteReport, Vec<(BucketKey, Row)>), StoreError> {
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
    let mut blob = Vec::new();
    for sensor in order.chunk_by(|&a, &b| keyed[a].0 == keyed[b].0) {
        let sk = keyed[sensor[0]].0;
        let sensor_m = minutes.len();
        let oldest = sensor.iter().map(|&i| readings[i].ts_ms).min();
        let mut rows = if tails.may_hold(tx, sk, oldest.unwrap_or(i64::MIN))? {
            SensorRows::load(tx, sk, sensor.iter().map(|&i| &readings[i]))?
        } else {
            SensorRows::none_stored(sk)
        };
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
        }
        if let Some(newest) = rows.flush(tx, &mut blob)? {
            tails.wrote(sk, newest);
        }
    }
    Ok((WriteReport { fresh }, minutes))
}

/// Folds a reading into its bucket among one series' buckets (newest last, usually the one);
/// `None` when the bucket is not there yet.
fn merge(buckets: &mut [(BucketKey, Row)], key: BucketKey, ts: i64, value: f64) -> Option<()> {
    let (_, b) = buckets.iter_mut().rev().find(|(k, _)| *k == key)?;
    b.merge(&Row::raw(ts, value));
    Some(())
}

fn bucket(key: BucketKey, ts: i64, value: f64) -> Row {
    Row {
        t: key.2,
        ..Row::raw(ts, value)
    }
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
