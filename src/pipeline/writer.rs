//! The writer and sync threads: the one place batches are formed, committed and made durable.
//!
//! The writer takes whatever messages wait in its bounded input (up to `max_batch_readings`),
//! writes their readings in one transaction and passes the batch to the sync thread. That
//! thread makes every batch committed so far survive power loss with one [`ReadingWriter::sync`] (one
//! fsync for however many batches are waiting: a group commit), then hands the committed
//! messages on, in arrival order, with a fresh/duplicate flag per reading. The writer builds
//! the next transaction meanwhile, so the fsync is off the writer's path.
//!
//! A failed write is retried with capped backoff and never skipped: nothing downstream (acks
//! included) moves until the batch is durable. Shutdown ends the retries: the batch is then
//! neither stored nor acknowledged, and the broker redelivers it. A failed sync is not retried: after a failed
//! fsync the kernel may have dropped the dirty pages and a second fsync can report success
//! for data that is gone, so nothing more is acknowledged until ioc restarts (the broker then
//! redelivers everything unacknowledged).

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::model::Reading;
use crate::shell::Backoff;
use crate::store::ReadingWriter;
use crate::telemetry::StoreMetrics;

/// Committed batches waiting for the sync thread before the writer waits for it.
const SYNC_QUEUE_BATCHES: usize = 4;

/// A message with its readings, as handed to the writer. `M` is what the caller needs back
/// after the commit (for ingest: what to acknowledge and account).
pub struct Pending<M> {
    pub message: M,
    pub readings: Vec<Reading>,
}

/// A message after its readings are durable: `fresh[i]` is false for duplicates.
pub struct Committed<M> {
    pub message: M,
    pub readings: Vec<Reading>,
    pub fresh: Vec<bool>,
}

pub struct WriterHandle {
    writer: std::thread::JoinHandle<()>,
    sync: std::thread::JoinHandle<()>,
}

impl WriterHandle {
    /// Waits for the threads to commit and sync what they were given and exit (the writer's
    /// input must be closed).
    pub async fn join(self) {
        let _ = tokio::task::spawn_blocking(move || {
            let _ = self.writer.join();
            let _ = self.sync.join();
        })
        .await;
    }
}

pub fn spawn_writer<M: Send + 'static>(
    store: Arc<dyn ReadingWriter>,
    input: mpsc::Receiver<Pending<M>>,
    output: mpsc::Sender<Committed<M>>,
    max_batch_readings: usize,
    metrics: StoreMetrics,
    shutdown: CancellationToken,
) -> std::io::Result<WriterHandle> {
    let (to_sync, synced) = std_mpsc::sync_channel(SYNC_QUEUE_BATCHES);
    let writer = {
        let (store, metrics) = (store.clone(), metrics.clone());
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                let retry = Retry {
                    backoff: Backoff::new(100, 10_000),
                    shutdown,
                };
                write_loop(&*store, input, to_sync, max_batch_readings, &metrics, retry)
            })?
    };
    let sync = std::thread::Builder::new()
        .name("store-sync".into())
        .spawn(move || sync_loop(&*store, synced, output, &metrics))?;
    Ok(WriterHandle { writer, sync })
}

fn write_loop<M>(
    store: &dyn ReadingWriter,
    mut input: mpsc::Receiver<Pending<M>>,
    to_sync: std_mpsc::SyncSender<Vec<Committed<M>>>,
    max_batch_readings: usize,
    metrics: &StoreMetrics,
    mut retry: Retry,
) {
    while let Some(first) = input.blocking_recv() {
        let mut batch = vec![first];
        let mut readings = batch[0].readings.len();
        // Bounded in readings and in messages (wholly rejected messages carry none).
        while readings < max_batch_readings && batch.len() < max_batch_readings {
            match input.try_recv() {
                Ok(p) => {
                    readings += p.readings.len();
                    batch.push(p);
                }
                Err(_) => break,
            }
        }
        let all: Vec<Reading> = batch
            .iter()
            .flat_map(|p| p.readings.iter().cloned())
            .collect();
        let Some(fresh) = write_until_committed(store, &all, metrics, &mut retry) else {
            return;
        };
        let mut fresh = fresh.into_iter();
        let committed = batch
            .into_iter()
            .map(|p| Committed {
                fresh: fresh.by_ref().take(p.readings.len()).collect(),
                message: p.message,
                readings: p.readings,
            })
            .collect();
        if to_sync.send(committed).is_err() {
            return;
        }
    }
}

fn sync_loop<M>(
    store: &dyn ReadingWriter,
    synced: std_mpsc::Receiver<Vec<Committed<M>>>,
    output: mpsc::Sender<Committed<M>>,
    metrics: &StoreMetrics,
) {
    while let Ok(first) = synced.recv() {
        let mut batches = vec![first];
        batches.extend(synced.try_iter());
        let started = Instant::now();
        if let Err(e) = store.sync() {
            metrics.sync_failed.set(1);
            metrics.up.set(0);
            tracing::error!(error = %e, "fsync of the store failed: nothing more is acknowledged; restart ioc (the broker redelivers what was not acknowledged)");
            return;
        }
        metrics
            .sync_seconds
            .observe(started.elapsed().as_secs_f64());
        for committed in batches.into_iter().flatten() {
            if output.blocking_send(committed).is_err() {
                return;
            }
        }
    }
}

/// How a failed write is retried: with capped backoff, until shutdown.
struct Retry {
    backoff: Backoff,
    shutdown: CancellationToken,
}

/// The fresh flags of `readings` once committed; `None` when shutdown came while retrying.
fn write_until_committed(
    store: &dyn ReadingWriter,
    readings: &[Reading],
    metrics: &StoreMetrics,
    retry: &mut Retry,
) -> Option<Vec<bool>> {
    if readings.is_empty() {
        return Some(Vec::new());
    }
    loop {
        let started = Instant::now();
        match store.write(readings) {
            Ok(report) => {
                metrics
                    .write_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.batch_readings.observe(readings.len() as f64);
                let dups = report.duplicates() as u64;
                metrics
                    .readings
                    .with_label_values(&["stored"])
                    .inc_by(readings.len() as u64 - dups);
                metrics
                    .readings
                    .with_label_values(&["duplicate"])
                    .inc_by(dups);
                metrics.up.set(1);
                retry.backoff.reset();
                return Some(report.fresh);
            }
            Err(e) => {
                metrics.write_errors.inc();
                metrics.up.set(0);
                tracing::error!(error = %e, readings = readings.len(), "store write failed; retrying with backoff, ingest is paused");
                if !retry.backoff.wait_blocking(&retry.shutdown) {
                    tracing::warn!("shutdown while the store write fails: the batch is left for the broker to redeliver");
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
