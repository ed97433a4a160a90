//! The exporter task: oldest outbox lines → InfluxDB → delete. Only this task talks to
//! InfluxDB's write API.

use std::sync::Arc;
use std::time::Duration;

use influxdb2::api::write::TimestampPrecision;
use influxdb2::RequestError;
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::line_protocol;
use super::InfluxSettings;
use crate::shell::{now_ms, Backoff};
use crate::store::{Outbox, OutboxEntry};
use crate::telemetry::Metrics;

/// The exporter as readiness reports it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportStatus {
    /// Unix ms of the last batch InfluxDB accepted.
    pub last_success: Option<i64>,
    /// Why the last attempt failed, while it keeps failing.
    pub error: Option<String>,
}

/// How long to wait before looking at an empty outbox again.
const IDLE_POLL: Duration = Duration::from_millis(250);

pub async fn run_exporter(
    store: Arc<dyn Outbox>,
    client: influxdb2::Client,
    cfg: InfluxSettings,
    metrics: Arc<Metrics>,
    status: watch::Sender<ExportStatus>,
    shutdown: CancellationToken,
) {
    let mut backoff = Backoff::new(cfg.retry_initial_ms, cfg.retry_max_ms);
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let batch = match peek(&store, cfg.batch_lines).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the export outbox");
                backoff.wait(&shutdown).await;
                continue;
            }
        };
        report_backlog(&store, &metrics, batch.first());
        let Some(last) = batch.last() else {
            sleep_or_stop(&shutdown, IDLE_POLL).await;
            continue;
        };
        let through = last.id;
        let body = batch
            .iter()
            .map(|e| line_protocol::format(&e.point))
            .collect::<Vec<_>>()
            .join("\n");
        let sent = client
            .write_line_protocol_with_precision(
                &cfg.org,
                &cfg.bucket,
                body,
                TimestampPrecision::Milliseconds,
            )
            .await;
        match sent {
            Ok(()) => {
                backoff.reset();
                remove(&store, through, &shutdown).await;
                metrics
                    .export
                    .lines
                    .with_label_values(&["sent"])
                    .inc_by(batch.len() as u64);
                status.send_replace(ExportStatus {
                    last_success: Some(now_ms()),
                    error: None,
                });
            }
            Err(RequestError::Http { status: code, text })
                if code.as_u16() == 400 || code.as_u16() == 422 =>
            {
                // InfluxDB refused the data itself: resending cannot help, and keeping it would
                // block every line behind it. The readings stay in the local store.
                tracing::error!(status = code.as_u16(), %text, lines = batch.len(), "InfluxDB rejected an export batch; dropping it");
                remove(&store, through, &shutdown).await;
                metrics
                    .export
                    .lines
                    .with_label_values(&["rejected"])
                    .inc_by(batch.len() as u64);
            }
            Err(e) => {
                tracing::warn!(error = %e, "InfluxDB export failed; the outbox keeps the lines, retrying with backoff");
                metrics.export.errors.inc();
                let last_success = status.borrow().last_success;
                status.send_replace(ExportStatus {
                    last_success,
                    error: Some(e.to_string()),
                });
                backoff.wait(&shutdown).await;
            }
        }
    }
}

async fn peek(store: &Arc<dyn Outbox>, limit: usize) -> Result<Vec<OutboxEntry>, String> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || store.peek(limit)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Deletes the sent lines, retrying until it succeeds or shutdown: a line deleted late (or,
/// after a shutdown, not at all) is only sent again, and InfluxDB overwrites a point with the
/// same series and time.
async fn remove(store: &Arc<dyn Outbox>, through: i64, shutdown: &CancellationToken) {
    let mut backoff = Backoff::new(50, 5_000);
    loop {
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.remove_through(through)).await {
            Ok(Ok(())) => return,
            Ok(Err(e)) => tracing::error!(error = %e, "cannot trim the export outbox; retrying"),
            Err(e) => tracing::error!(error = %e, "outbox trim task failed; retrying"),
        }
        if !backoff.wait(shutdown).await {
            return;
        }
    }
}

fn report_backlog(store: &Arc<dyn Outbox>, metrics: &Metrics, oldest: Option<&OutboxEntry>) {
    let stats = store.stats();
    metrics.export.outbox_lines.set(stats.lines as i64);
    metrics.export.outbox_dropped.set(stats.dropped as i64);
    let lag_s = oldest.map_or(0.0, |e| (now_ms() - e.enqueued_ms).max(0) as f64 / 1000.0);
    metrics.export.lag_seconds.set(lag_s);
}

async fn sleep_or_stop(shutdown: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}
