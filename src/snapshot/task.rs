//! The shell: a thread that builds a snapshot every interval and publishes it into a
//! `watch`. A thread, not a task: a tick is CPU work, and it must never stall the executor.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Builder, Snapshot};
use crate::aggregate::SharedLive;
use crate::indicators::IndicatorParams;
use crate::shell::now_ms;
use crate::telemetry::SnapshotMetrics;

/// Where readers take the latest snapshot: `borrow().clone()` is an `Arc` clone.
pub type SnapshotRx = watch::Receiver<Arc<Snapshot>>;

/// Builds the first snapshot at once (so readers never see none), then one every `interval`
/// on a thread named `snapshot` until `shutdown`.
pub fn spawn(
    live: SharedLive,
    params: IndicatorParams,
    interval: Duration,
    metrics: SnapshotMetrics,
    shutdown: CancellationToken,
) -> std::io::Result<(SnapshotRx, JoinHandle<()>)> {
    let city = crate::shell::lock::read(&live).city().clone();
    let mut builder = Builder::new(city, params);
    let first = builder.tick(&live, now_ms());
    let (tx, rx) = watch::channel(Arc::new(first));
    let handle = std::thread::Builder::new()
        .name("snapshot".into())
        .spawn(move || {
            let mut next = Instant::now() + interval;
            while sleep_until(next, &shutdown) {
                // Ticks keep their cadence: a slow tick delays the next, never shifts them all.
                next = (next + interval).max(Instant::now());
                let started = Instant::now();
                let snapshot = builder.tick(&live, now_ms());
                metrics
                    .tick_seconds
                    .observe(started.elapsed().as_secs_f64());
                let c = &snapshot.changes;
                let by = |cause: &str, n: usize| {
                    metrics
                        .recomputed
                        .with_label_values(&[cause])
                        .inc_by(n as u64)
                };
                by("reading", c.dirty.min(c.recomputed));
                by("time", c.recomputed.saturating_sub(c.dirty));
                tx.send_replace(Arc::new(snapshot));
            }
        })?;
    Ok((rx, handle))
}

/// Sleeps until `until` in short steps; false once `shutdown` is cancelled.
fn sleep_until(until: Instant, shutdown: &CancellationToken) -> bool {
    loop {
        if shutdown.is_cancelled() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
