//! The notifier: the outbox's due deliveries POSTed in order, each signed; a 2xx marks one
//! delivered, anything else schedules it again with capped backoff and holds those after it,
//! so a receiver sees each alert's changes in the order they happened. Async shell; the
//! outbox is read and written off the executor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::{signature_header, NotifyRepo, NotifySettings, Queued};
use crate::alerts::Alert;
use crate::shell::now_ms;
use crate::telemetry::NotifyMetrics;

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries taken per look.
const BATCH: usize = 50;
const HOUR_MS: i64 = 3_600_000;

pub struct Notifier {
    repo: Arc<Mutex<Box<dyn NotifyRepo>>>,
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
    retry_initial_ms: i64,
    retry_max_ms: i64,
    keep_ms: i64,
    /// True while this node decides alerts: only the decider delivers.
    deciding: Box<dyn Fn() -> bool + Send + Sync>,
    /// This node's open alerts, for escalation.
    open: Box<dyn Fn() -> Vec<Alert> + Send + Sync>,
    metrics: NotifyMetrics,
    /// `notify.escalate_after_s` in ms; 0: no escalation.
    escalate_after_ms: i64,
}

/// Where the notifier looks: whether this node decides alerts, and its open alerts.
pub struct Alerts {
    pub deciding: Box<dyn Fn() -> bool + Send + Sync>,
    pub open: Box<dyn Fn() -> Vec<Alert> + Send + Sync>,
}

impl Notifier {
    pub fn new(
        repo: Box<dyn NotifyRepo>,
        settings: &NotifySettings,
        secret: Vec<u8>,
        alerts: Alerts,
        metrics: NotifyMetrics,
    ) -> Result<Notifier, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_s))
            .build()?;
        Ok(Notifier {
            repo: Arc::new(Mutex::new(repo)),
            client,
            url: settings.webhook_url.trim().to_owned(),
            secret,
            retry_initial_ms: settings.retry_initial_s as i64 * 1000,
            retry_max_ms: settings.retry_max_s as i64 * 1000,
            keep_ms: i64::from(settings.keep_delivered_days) * 24 * HOUR_MS,
            deciding: alerts.deciding,
            open: alerts.open,
            metrics,
            escalate_after_ms: settings.escalate_after_s as i64 * 1000,
        })
    }

    /// Runs `f` on the outbox off the executor.
    async fn with_repo<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn NotifyRepo) -> Result<T, crate::shell::RepoError> + Send + 'static,
    ) -> Option<T> {
        let repo = self.repo.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut repo = crate::shell::lock::lock(&repo);
            f(&mut **repo)
        })
        .await;
        match done {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the notification outbox could not be read or written");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "the notification outbox task failed");
                None
            }
        }
    }

    /// Enqueues `alert.escalated` for the open alerts overdue at `now`, each once (`told`
    /// remembers them between looks; the outbox's ids keep it once across restarts).
    async fn escalate(&self, now: i64, told: &mut std::collections::HashSet<String>) {
        if self.escalate_after_ms <= 0 {
            return;
        }
        let open = (self.open)();
        let fresh: Vec<(String, i64, String)> =
            super::escalate::due(&open, now, self.escalate_after_ms)
                .into_iter()
                .map(|a| {
                    (
                        super::escalate::id(a),
                        a.id,
                        serde_json::to_string(a).unwrap_or_default(),
                    )
                })
                .filter(|(id, _, _)| !told.contains(id))
                .collect();
        told.retain(|id| open.iter().any(|a| super::escalate::id(a) == *id));
        for (id, alert_id, object) in fresh {
            let key = id.clone();
            let added = self
                .with_repo(move |r| r.enqueue(&id, "alert.escalated", alert_id, &object, now))
                .await;
            if added.is_some() {
                tracing::info!(id = %key, "an unacknowledged alert is escalated");
                told.insert(key);
            }
        }
    }

    /// Delivers what is due, in order, until one fails.
    async fn drain(&self, shutdown: &CancellationToken) {
        let now = now_ms();
        let Some((due, waiting)) = self
            .with_repo(move |r| Ok((r.due(now, BATCH)?, r.waiting()?)))
            .await
        else {
            return;
        };
        self.metrics.waiting.set(waiting as i64);
        for q in due {
            if shutdown.is_cancelled() {
                return;
            }
            if !self.deliver(&q).await {
                return;
            }
        }
    }

    /// One POST; true when it was delivered.
    async fn deliver(&self, q: &Queued) -> bool {
        let now = now_ms();
        let body = body(q, now).to_string().into_bytes();
        let ts = now.div_euclid(1000);
        let sent = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-IOC-Event", q.event.as_str())
            .header("X-IOC-Delivery", q.id.as_str())
            .header("X-IOC-Timestamp", ts.to_string())
            .header("X-IOC-Signature", signature_header(&self.secret, ts, &body))
            .body(body)
            .send()
            .await;
        let failure = match sent {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the webhook answered {}", r.status())),
            Err(e) => Some(format!("the webhook could not be reached: {e}")),
        };
        let id = q.id.clone();
        match failure {
            None => {
                self.metrics
                    .attempts
                    .with_label_values(&["delivered"])
                    .inc();
                tracing::info!(id = %q.id, event = %q.event, "notification delivered");
                self.with_repo(move |r| r.delivered(&id, now))
                    .await
                    .is_some()
            }
            Some(error) => {
                self.metrics.attempts.with_label_values(&["failed"]).inc();
                let wait = self
                    .retry_initial_ms
                    .saturating_mul(1i64 << q.attempts.min(20))
                    .min(self.retry_max_ms);
                tracing::warn!(id = %q.id, attempts = q.attempts + 1, retry_in_ms = wait, %error, "notification not delivered");
                self.with_repo(move |r| r.failed(&id, now + wait, &error))
                    .await;
                false
            }
        }
    }
}

/// What the webhook receives: `{"event", "id", "sent_at", "alert"}`.
fn body(q: &Queued, now: i64) -> Value {
    let alert: Value = serde_json::from_str(&q.object).unwrap_or(Value::Null);
    let sent_at =
        jiff::Timestamp::from_millisecond(now).map_or_else(|_| now.to_string(), |t| t.to_string());
    json!({"event": q.event, "id": q.id, "sent_at": sent_at, "alert": alert})
}

/// Delivers until shutdown; forgets delivered rows past `keep_delivered_days` once an hour.
pub async fn run_notifier(n: Notifier, shutdown: CancellationToken) {
    let mut last_prune = 0i64;
    let mut escalated = std::collections::HashSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(POLL) => {}
        }
        if !(n.deciding)() {
            continue;
        }
        n.escalate(now_ms(), &mut escalated).await;
        n.drain(&shutdown).await;
        let now = now_ms();
        if now - last_prune >= HOUR_MS {
            last_prune = now;
            let before = now - n.keep_ms;
            n.with_repo(move |r| r.prune(before)).await;
        }
    }
}
