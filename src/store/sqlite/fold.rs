//! Rollups folded in memory: the writer keeps the open 1-minute and 1-hour buckets of every
//! series and closes them every `store.rollup_flush_interval_s`, instead of two upserts per
//! series in every batch (docs/performance.md, "Rollups folded in memory"). The batches that
//! follow write a closed interval in key order, each as many buckets as it opens (at least
//! [`FLUSH_CHUNK`]), so no batch, and no reading waiting on its commit, pays for a whole
//! city's buckets at once.
//!
//! Exact across a crash: each batch lists, in its own transaction, the minute buckets it is
//! the first to touch in its interval in `rollup_pending`; the last chunk of an interval
//! deletes that interval's rows (ids up to where it closed); `recover.rs` recomputes what is
//! listed from the raw rows at the next open. Readers stay exact through [`OpenBuckets`]'s
//! `complete_before`: rollups are complete before it, raw rows answer from it on (`read.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Transaction};

use super::open_bucket::{OpenKey, OpenRow};
use crate::store::{Row, StoreError};

/// (sensor key, metric key, bucket start).
pub(super) type BucketKey = (i64, i64, i64);

pub(super) const MINUTE_MS: i64 = 60_000;
pub(super) const HOUR_MS: i64 = 3_600_000;

/// Open minute buckets past which the writer closes the interval early,
/// and writes a flushing one at once, so memory stays bounded (about 75 bytes each in their
/// map, `open_bucket.rs`; twice this at most) however many series or late buckets a city has.
const MAX_OPEN_BUCKETS: usize = 1_000_000;

/// The start of the hour holding `ts`.
pub(super) fn hour_of(ts: i64) -> i64 {
    ts.div_euclid(HOUR_MS) * HOUR_MS
}

/// One batch's minute buckets to fold, each series' readings already merged (see `write.rs`);
/// their hours are merged from them as they are written ([`write_minutes`]).
#[derive(Default)]
pub(super) struct BatchBuckets {
    pub minutes: Vec<(OpenKey, OpenRow)>,
}

pub(super) struct OpenBuckets {
    /// The open minute buckets, in key order (so an interval is written page by page without
    /// sorting it): also those listed in `rollup_pending` since the interval opened. Hour
    /// buckets are not kept: a series' consecutive minutes merge into its hour as they are
    /// written, and the upsert adds them to what the hour holds.
    minutes: BTreeMap<OpenKey, OpenRow>,
    /// The previous interval's buckets, written [`OpenBuckets::chunk`] at a time by the
    /// batches that follow, so no batch waits for a whole city's buckets.
    flushing: Option<Flushing>,
    chunk: usize,
    interval: Duration,
    last_flush: Instant,
    /// The hour of the newest reading folded when the last interval closed: a reading of an
    /// older hour is late and does not move `complete_before` (it shows in rollups once its
    /// interval is written), so one straggler cannot send every query to raw rows for days.
    frontier: i64,
    /// The newest reading's time folded since the last swap.
    newest: i64,
    /// The oldest hour the open buckets lowered `complete_before` to (`i64::MAX`: none):
    /// where it goes once the flushing buckets are written.
    open_low: i64,
    /// Rollups hold every reading of an hour before this (late ones aside); shared with the
    /// readers. Lowered before a batch commits, raised only after its buckets are written.
    complete_before: Arc<AtomicI64>,
}

/// A closed interval's buckets not yet written (each chunk leaves the maps once its batch
/// commits), and the `rollup_pending` rows that list them (ids up to `pending_upto`),
/// deleted with the last chunk.
struct Flushing {
    minutes: BTreeMap<OpenKey, OpenRow>,
    pending_upto: i64,
}

/// How many of a flushing interval's first minute buckets a batch wrote.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Written(usize);

/// The fewest buckets a batch writes while an interval is flushing (a few milliseconds of
/// upserts); a batch that opens more writes as many as it opens, so the flush keeps pace
/// with the rate buckets fill.
const FLUSH_CHUNK: usize = 1_024;

impl OpenBuckets {
    pub fn new(complete_before: Arc<AtomicI64>) -> OpenBuckets {
        complete_before.store(i64::MAX, Ordering::SeqCst);
        OpenBuckets {
            minutes: BTreeMap::new(),
            flushing: None,
            chunk: FLUSH_CHUNK,
            interval: Duration::from_secs(30),
            last_flush: Instant::now(),
            frontier: i64::MIN,
            newest: i64::MIN,
            open_low: i64::MAX,
            complete_before,
        }
    }

    pub fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
    }

    /// Buckets written per batch while an interval flushes (tests make it small).
    #[cfg(test)]
    pub fn set_chunk(&mut self, chunk: usize) {
        self.chunk = chunk.max(1);
    }

    pub fn is_empty(&self) -> bool {
        self.minutes.is_empty() && self.flushing.is_none()
    }

    fn open(&self) -> usize {
        self.minutes.len()
    }

    /// Closes the interval when it is due (its time has passed, or memory is at its bound)
    /// and the previous one is written: the open buckets start flushing, a chunk per batch,
    /// and this batch's buckets open the next interval. In the batch's transaction, before
    /// [`record`](Self::record); only memory changes, so a rolled-back batch leaves it valid.
    pub fn close_if_due(
        &mut self,
        tx: &Transaction,
        batch: &BatchBuckets,
    ) -> Result<(), StoreError> {
        let full = self.open() + batch.minutes.len() > MAX_OPEN_BUCKETS;
        let due = self.last_flush.elapsed() >= self.interval || full;
        if !due || self.flushing.is_some() || self.open() == 0 {
            return Ok(());
        }
        let pending_upto: i64 =
            tx.query_row("SELECT coalesce(max(id), 0) FROM rollup_pending", [], |r| {
                r.get(0)
            })?;
        if self.newest > i64::MIN {
            self.frontier = self.frontier.max(hour_of(self.newest));
        }
        self.newest = i64::MIN;
        self.open_low = i64::MAX;
        self.last_flush = Instant::now();
        self.flushing = Some(Flushing {
            minutes: std::mem::take(&mut self.minutes),
            pending_upto,
        });
        Ok(())
    }

    /// Lists in `rollup_pending` the batch's minute buckets not listed since its interval opened,
    /// and lowers `complete_before` to the batch's hours, both before the batch commits.
    pub fn record(&mut self, tx: &Transaction, batch: &BatchBuckets) -> Result<(), StoreError> {
        let mut put = tx.prepare_cached(
            "INSERT INTO rollup_pending (sensor_key, metric_key, minute) VALUES (?1, ?2, ?3)",
        )?;
        for (key, _) in &batch.minutes {
            if !self.minutes.contains_key(key) {
                let (sk, mk, minute) = key.key();
                put.execute(params![sk, mk, minute])?;
            }
        }
        let oldest = batch
            .minutes
            .iter()
            .map(|(key, _)| hour_of(key.key().2))
            .filter(|hour| *hour >= self.frontier)
            .min();
        if let Some(hour) = oldest {
            self.open_low = self.open_low.min(hour);
            self.complete_before.fetch_min(hour, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Writes the next chunk of the flushing interval: as many buckets as `batch` opens, at
    /// least [`FLUSH_CHUNK`], or all of it when the open buckets are at their bound. The last
    /// chunk deletes its `rollup_pending` rows. Returns what it wrote, for
    /// [`absorb`](Self::absorb) after the commit.
    pub fn step(&self, tx: &Transaction, batch: &BatchBuckets) -> Result<Written, StoreError> {
        let Some(f) = &self.flushing else {
            return Ok(Written::default());
        };
        let n = if self.open() > MAX_OPEN_BUCKETS {
            usize::MAX
        } else {
            self.chunk.max(batch.minutes.len())
        };
        let written = Written(write_minutes(tx, expand(f.minutes.iter().take(n)))?);
        if written.0 == f.minutes.len() {
            tx.execute(
                "DELETE FROM rollup_pending WHERE id <= ?1",
                [f.pending_upto],
            )?;
        }
        Ok(written)
    }

    /// After the batch committed: its buckets join the open ones, and what it wrote of the
    /// flushing interval leaves it. Once all of it is written, `complete_before` rises to the
    /// oldest hour still open.
    pub fn absorb(&mut self, batch: BatchBuckets, written: Written) {
        for (key, row) in batch.minutes {
            self.newest = self.newest.max(row.last_ts(&key));
            self.minutes
                .entry(key)
                .and_modify(|b| b.merge(&row))
                .or_insert(row);
        }
        if let Some(f) = &mut self.flushing {
            for _ in 0..written.0 {
                f.minutes.pop_first();
            }
            if f.minutes.is_empty() {
                self.flushing = None;
                self.complete_before.store(self.open_low, Ordering::SeqCst);
            }
        }
    }

    /// Upserts every bucket not yet written, the flushing interval's and the open ones, and
    /// empties `rollup_pending` (shutdown, before retention, tests).
    pub fn flush(&self, tx: &Transaction) -> Result<(), StoreError> {
        if let Some(f) = &self.flushing {
            write_minutes(tx, expand(f.minutes.iter()))?;
        }
        write_minutes(tx, expand(self.minutes.iter()))?;
        tx.execute("DELETE FROM rollup_pending", [])?;
        Ok(())
    }

    /// After a flush committed: nothing is open, rollups are complete everywhere.
    pub fn flushed(&mut self) {
        if self.newest > i64::MIN {
            self.frontier = self.frontier.max(hour_of(self.newest));
        }
        self.flushing = None;
        self.minutes.clear();
        self.newest = i64::MIN;
        self.open_low = i64::MAX;
        self.last_flush = Instant::now();
        self.complete_before.store(i64::MAX, Ordering::SeqCst);
    }
}

/// Upserts minute buckets, and each series' hour as the merge of its consecutive minutes (given
/// in key order, one hour row per series and hour; otherwise, or where a chunk ends, an hour is
/// upserted in parts, which the upsert adds together). Returns how many minutes it wrote.
pub(super) fn write_minutes(
    tx: &Transaction,
    minutes: impl Iterator<Item = (BucketKey, Row)>,
) -> Result<usize, StoreError> {
    let mut hours: Vec<(BucketKey, Row)> = Vec::new();
    let rows = minutes.map(|((sk, mk, minute), row)| {
        let hour = (sk, mk, hour_of(minute));
        match hours.last_mut() {
            Some((key, acc)) if *key == hour => acc.merge(&row),
            _ => hours.push((hour, Row { t: hour.2, ..row })),
        }
        ((sk, mk, minute), row)
    });
    let written = upsert(tx, "rollup_1m", rows)?;
    upsert(tx, "rollup_1h", hours)?;
    Ok(written)
}

/// Open buckets as the keys and rows the tables hold.
fn expand<'a>(
    open: impl Iterator<Item = (&'a OpenKey, &'a OpenRow)> + 'a,
) -> impl Iterator<Item = (BucketKey, Row)> + 'a {
    open.map(|(k, r)| (k.key(), r.row(k)))
}

/// Merges `buckets` into `table`: a bucket already stored (flushed earlier, late data) keeps
/// what it had and gains these. Returns how many it wrote.
fn upsert(
    tx: &Transaction,
    table: &str,
    buckets: impl IntoIterator<Item = (BucketKey, Row)>,
) -> Result<usize, StoreError> {
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
    let mut written = 0;
    for ((sk, mk, bucket), b) in buckets {
        written += 1;
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
    Ok(written)
}
