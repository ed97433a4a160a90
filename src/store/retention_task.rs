//! The retention schedule: every `store.retention_interval_s`, expired rows are deleted on a
//! blocking thread (the delete takes the writer's lock between batches), and counted.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Retention;
use crate::telemetry::StoreMetrics;

/// Deletes expired rows every `interval_s` seconds, off the async executor, until shutdown.
/// A failure is logged and retried at the next tick.
pub async fn run_retention(
    store: Arc<dyn Retention>,
    interval_s: u64,
    metrics: StoreMetrics,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(interval_s));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.enforce_retention(crate::shell::now_ms()))
            .await
        {
            Ok(Ok(r)) => {
                for (table, n) in [
                    ("readings", r.raw),
                    ("rollup_1m", r.rollup_1m),
                    ("rollup_1h", r.rollup_1h),
                ] {
                    metrics
                        .retention_deleted
                        .with_label_values(&[table])
                        .inc_by(n as u64);
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "retention failed; will retry"),
            Err(e) => tracing::error!(error = %e, "retention task panicked"),
        }
    }
}
