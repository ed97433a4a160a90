//! Rollups folded in memory: the writer keeps the open 1-minute and 1-hour buckets of every
//! series and writes them all at once every `store.rollup_flush_interval_s`, instead of two
//! upserts per series in every batch (docs/performance.md, "Rollups folded in memory").
//!
//! Exact across a crash: each batch lists, in its own transaction, the minute buckets it is
//! the first to touch since the last flush in `rollup_pending`; a flush upserts every open
//! bucket and empties that table in one transaction; `recover.rs` recomputes what is listed
//! from the raw rows at the next open. Readers stay exact through [`OpenBuckets`]'s
//! `complete_before`: rollups are complete before it, raw rows answer from it on (`read.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Transaction};

use crate::store::{Row, StoreError};

/// (sensor key, metric key, bucket start).
pub(super) type BucketKey = (i64, i64, i64);

pub(super) const MINUTE_MS: i64 = 60_000;
pub(super) const HOUR_MS: i64 = 3_600_000;

/// Open buckets (minutes and hours together) past which the writer flushes early, so memory
/// stays bounded (about 100 bytes each) however many series or late buckets a city has.
const MAX_OPEN_BUCKETS: usize = 1_000_000;

/// The start of the hour holding `ts`.
pub(super) fn hour_of(ts: i64) -> i64 {
    ts.div_euclid(HOUR_MS) * HOUR_MS
}

/// One batch's buckets, each series' readings already merged (see `write.rs`).
#[derive(Default)]
pub(super) struct BatchBuckets {
    pub minutes: Vec<(BucketKey, Row)>,
    pub hours: Vec<(BucketKey, Row)>,
}

pub(super) struct OpenBuckets {
    minutes: HashMap<BucketKey, Row>,
    hours: HashMap<BucketKey, Row>,
    /// Minute buckets already listed in `rollup_pending` since the last flush.
    recorded: HashSet<BucketKey>,
    interval: Duration,
    last_flush: Instant,
    /// The hour of the newest reading folded when the last flush ran: a reading of an older
    /// hour is late and does not move `complete_before` (it shows in rollups at the next
    /// flush), so one straggler cannot send every query to raw rows for days.
    frontier: i64,
    /// The newest reading's time folded since the last flush.
    newest: i64,
    /// Rollups hold every reading of an hour before this (late ones aside); shared with the
    /// readers. Lowered before a batch commits, raised only after a flush commits.
    complete_before: Arc<AtomicI64>,
}

impl OpenBuckets {
    pub fn new(complete_before: Arc<AtomicI64>) -> OpenBuckets {
        complete_before.store(i64::MAX, Ordering::SeqCst);
        OpenBuckets {
            minutes: HashMap::new(),
            hours: HashMap::new(),
            recorded: HashSet::new(),
            interval: Duration::from_secs(30),
            last_flush: Instant::now(),
            frontier: i64::MIN,
            newest: i64::MIN,
            complete_before,
        }
    }

    pub fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
    }

    pub fn is_empty(&self) -> bool {
        self.minutes.is_empty() && self.hours.is_empty()
    }

    /// True when this batch should flush: the interval has passed, or memory is at its bound.
    pub fn due(&self, batch: &BatchBuckets) -> bool {
        let open = self.minutes.len() + self.hours.len();
        self.last_flush.elapsed() >= self.interval
            || open + batch.minutes.len() + batch.hours.len() > MAX_OPEN_BUCKETS
    }

    /// Lists in `rollup_pending` the batch's minute buckets not listed since the last flush,
    /// and lowers `complete_before` to the batch's hours, both before the batch commits.
    pub fn record(&self, tx: &Transaction, batch: &BatchBuckets) -> Result<(), StoreError> {
        let mut put = tx.prepare_cached(
            "INSERT INTO rollup_pending (sensor_key, metric_key, minute) VALUES (?1, ?2, ?3)",
        )?;
        for (key, _) in &batch.minutes {
            if !self.recorded.contains(key) {
                put.execute(params![key.0, key.1, key.2])?;
            }
        }
        let oldest = batch
            .hours
            .iter()
            .map(|((_, _, hour), _)| *hour)
            .filter(|hour| *hour >= self.frontier)
            .min();
        if let Some(hour) = oldest {
            self.complete_before.fetch_min(hour, Ordering::SeqCst);
        }
        Ok(())
    }

    /// After the batch committed: its buckets join the open ones.
    pub fn absorb(&mut self, batch: BatchBuckets) {
        for (key, row) in batch.minutes {
            self.recorded.insert(key);
            self.newest = self.newest.max(row.last_ts);
            merge_into(&mut self.minutes, key, &row);
        }
        for (key, row) in batch.hours {
            merge_into(&mut self.hours, key, &row);
        }
    }

    /// Upserts every open bucket and the batch's (merged, in key order, so inserts are
    /// page-local) and empties `rollup_pending`, in the batch's transaction.
    pub fn flush(&self, tx: &Transaction, batch: &BatchBuckets) -> Result<(), StoreError> {
        upsert(tx, "rollup_1m", &combined(&self.minutes, &batch.minutes))?;
        upsert(tx, "rollup_1h", &combined(&self.hours, &batch.hours))?;
        tx.execute("DELETE FROM rollup_pending", [])?;
        Ok(())
    }

    /// After a flush committed: nothing is open, rollups are complete everywhere.
    pub fn flushed(&mut self, batch: &BatchBuckets) {
        let batch_newest = batch.minutes.iter().map(|(_, r)| r.last_ts).max();
        let newest = self.newest.max(batch_newest.unwrap_or(i64::MIN));
        if newest > i64::MIN {
            self.frontier = self.frontier.max(hour_of(newest));
        }
        self.minutes.clear();
        self.hours.clear();
        self.recorded.clear();
        self.newest = i64::MIN;
        self.last_flush = Instant::now();
        self.complete_before.store(i64::MAX, Ordering::SeqCst);
    }
}

/// The open buckets and the batch's, merged per key and sorted by key.
fn combined(open: &HashMap<BucketKey, Row>, batch: &[(BucketKey, Row)]) -> Vec<(BucketKey, Row)> {
    let mut all: Vec<(BucketKey, Row)> = open.iter().map(|(k, r)| (*k, *r)).collect();
    all.extend_from_slice(batch);
    all.sort_unstable_by_key(|(k, _)| *k);
    let mut out: Vec<(BucketKey, Row)> = Vec::with_capacity(all.len());
    for (key, row) in all {
        match out.last_mut() {
            Some((k, b)) if *k == key => b.merge(&row),
            _ => out.push((key, row)),
        }
    }
    out
}

fn merge_into(map: &mut HashMap<BucketKey, Row>, key: BucketKey, row: &Row) {
    map.entry(key).and_modify(|b| b.merge(row)).or_insert(*row);
}

/// Merges `buckets` into `table`: a bucket already stored (flushed earlier, late data) keeps
/// what it had and gains these.
pub(super) fn upsert(
    tx: &Transaction,
    table: &str,
    buckets: &[(BucketKey, Row)],
) -> Result<(), StoreError> {
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
