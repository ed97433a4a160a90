//! The writer thread: the one place batches are formed and committed.
//!
//! It takes whatever messages wait in its bounded input (up to `max_batch_readings`), writes
//! their readings in one transaction, and hands the committed messages on, in arrival order,
//! with a fresh/duplicate flag per reading. A failed write is retried with capped backoff and
//! never skipped: nothing downstream (acks included) moves until the batch is durable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::Store;
use crate::model::Reading;
use crate::telemetry::Metrics;

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
    thread: std::thread::JoinHandle<()>,
}

impl WriterHandle {
    /// Waits for the thread to commit what it was given and exit (its input must be closed).
    pub async fn join(self) {
        let _ = tokio::task::spawn_blocking(move || self.thread.join()).await;
    }
}

pub fn spawn_writer<M: Send + 'static>(
    store: Arc<dyn Store>,
    mut input: mpsc::Receiver<Pending<M>>,
    output: mpsc::Sender<Committed<M>>,
    max_batch_readings: usize,
    metrics: Arc<Metrics>,
) -> std::io::Result<WriterHandle> {
    let thread = std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || {
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
                let fresh = write_until_durable(store.as_ref(), &all, &metrics);
                let mut fresh = fresh.into_iter();
                for p in batch {
                    let f: Vec<bool> = fresh.by_ref().take(p.readings.len()).collect();
                    let committed = Committed {
                        message: p.message,
                        readings: p.readings,
                        fresh: f,
                    };
                    if output.blocking_send(committed).is_err() {
                        return;
                    }
                }
            }
        })?;
    Ok(WriterHandle { thread })
}

fn write_until_durable(store: &dyn Store, readings: &[Reading], metrics: &Metrics) -> Vec<bool> {
    if readings.is_empty() {
        return Vec::new();
    }
    let mut delay = Duration::from_millis(100);
    loop {
        let started = Instant::now();
        match store.write(readings) {
            Ok(report) => {
                metrics
                    .store_write_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.store_batch_readings.observe(readings.len() as f64);
                let dups = report.duplicates() as u64;
                metrics
                    .store_readings
                    .with_label_values(&["stored"])
                    .inc_by(readings.len() as u64 - dups);
                metrics
                    .store_readings
                    .with_label_values(&["duplicate"])
                    .inc_by(dups);
                metrics.store_up.set(1);
                return report.fresh;
            }
            Err(e) => {
                metrics.store_write_errors.inc();
                metrics.store_up.set(0);
                tracing::error!(error = %e, retry_in_ms = delay.as_millis() as u64, readings = readings.len(), "store write failed; retrying, ingest is paused");
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}
