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

/// The most of its thread's time the ticks may take. A tick costs what changed since the last;
/// when the city changes faster than one interval's tick can fold (ingest flat out: every
/// sensor dirty every tick), ticks space out to keep within this share, so the readings keep
/// being stored and each tick folds more of them. A screen then lags by a tick's spacing,
/// never by a backlog of unstored readings (docs/decisions.md).
pub const MAX_TICK_SHARE: f64 = 0.25;

/// When the tick after one due at `due` (which started at `started` and took `took`) is due:
/// one `interval` after `due`, keeping the cadence whatever the wake-up's delay, or later so
/// that ticks take at most [`MAX_TICK_SHARE`] of the time.
pub fn next_tick(due: Instant, started: Instant, took: Duration, interval: Duration) -> Instant {
    (due + interval).max(started + took.div_f64(MAX_TICK_SHARE))
}

/// Builds the first snapshot at once (so readers never see none), then one every `interval`
/// (or further apart, see [`next_tick`]) on a thread named `snapshot` until `shutdown`.
pub fn spawn(
    live: SharedLive,
    params: IndicatorParams,
    territory: Option<super::Territory>,
    interval: Duration,
    metrics: SnapshotMetrics,
    shutdown: CancellationToken,
) -> std::io::Result<(SnapshotRx, JoinHandle<()>)> {
    let city = crate::shell::lock::read(&live).city().clone();
    let mut builder = Builder::new(city, params);
    if let Some(t) = territory {
        builder = builder.with_territory(t);
    }
    let first = builder.tick(&live, now_ms());
    let (tx, rx) = watch::channel(Arc::new(first));
    let handle = std::thread::Builder::new()
        .name("snapshot".into())
        .spawn(move || {
            let mut next = Instant::now() + interval;
            while sleep_until(next, &shutdown) {
                let started = Instant::now();
                let snapshot = builder.tick(&live, now_ms());
                let took = started.elapsed();
                next = next_tick(next, started, took, interval);
                metrics.tick_seconds.observe(took.as_secs_f64());
                metrics.spacing_seconds.set((next - started).as_secs_f64());
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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_cheap_tick_keeps_the_cadence() {
        let t0 = Instant::now();
        assert_eq!(next_tick(t0, t0, 10 * MS, 250 * MS), t0 + 250 * MS);
        // Woken 5 ms late: the next tick is still one interval after this one was due.
        assert_eq!(next_tick(t0, t0 + 5 * MS, 60 * MS, 250 * MS), t0 + 250 * MS);
    }

    #[test]
    fn a_costly_tick_spaces_the_next_to_keep_within_its_share() {
        let t0 = Instant::now();
        assert_eq!(next_tick(t0, t0, 100 * MS, 250 * MS), t0 + 400 * MS);
        assert_eq!(
            next_tick(t0, t0 + 5 * MS, 500 * MS, 250 * MS),
            t0 + 2005 * MS
        );
    }
}
