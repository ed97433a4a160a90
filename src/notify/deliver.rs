//! The notifier of one channel: the outbox's due deliveries sent in order through its
//! transport (`transport.rs`); a success marks one delivered, a failure schedules it again with
//! capped backoff and holds those after it, so a receiver sees each alert's changes in the
//! order they happened. Async shell; the outbox is read and written off the executor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::transport::Transport;
use super::{NotifyRepo, NotifySettings, Queued};
use crate::alerts::Alert;
use crate::shell::{now_ms, rfc3339_utc};
use crate::telemetry::NotifyMetrics;

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries taken per look, and so the most one digest carries (about 100 kB).
const BATCH: usize = 200;
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

pub struct Notifier {
    /// The outbox of this notifier's channel.
    repo: Arc<Mutex<Box<dyn NotifyRepo>>>,
    transport: Transport,
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
    /// Whether an escalation goes to this channel.
    routes: super::Routes,
    /// `notify.max_per_minute`, and when the messages of the last minute left.
    max_per_minute: usize,
    sent: Mutex<std::collections::VecDeque<i64>>,
    /// Quiet hours, when configured.
    quiet: Option<super::Quiet>,
}

/// Where the notifier looks: whether this node decides alerts, and its open alerts.
pub struct Alerts {
    pub deciding: Box<dyn Fn() -> bool + Send + Sync>,
    pub open: Box<dyn Fn() -> Vec<Alert> + Send + Sync>,
}

impl Notifier {
    /// A notifier sending `repo`'s channel through `transport`.
    pub fn new(
        repo: Box<dyn NotifyRepo>,
        transport: Transport,
        settings: &NotifySettings,
        alerts: Alerts,
        metrics: NotifyMetrics,
        quiet: Option<super::Quiet>,
    ) -> Notifier {
        Notifier {
            repo: Arc::new(Mutex::new(repo)),
            transport,
            retry_initial_ms: settings.retry_initial_s as i64 * 1000,
            retry_max_ms: settings.retry_max_s as i64 * 1000,
            keep_ms: i64::from(settings.keep_delivered_days) * 24 * HOUR_MS,
            deciding: alerts.deciding,
            open: alerts.open,
            metrics,
            escalate_after_ms: settings.escalate_after_s as i64 * 1000,
            routes: settings.routes(),
            max_per_minute: settings.max_per_minute as usize,
            sent: Mutex::new(std::collections::VecDeque::new()),
            quiet,
        }
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
        let channel = self.transport.channel();
        let open: Vec<Alert> = (self.open)()
            .into_iter()
            .filter(|a| {
                self.routes
                    .channels_for(a, "alert.escalated")
                    .contains(&channel)
            })
            .collect();
        // Only what is not told yet is written out; what is no longer open is forgotten.
        let fresh: Vec<(String, i64, String)> =
            super::escalate::due(&open, now, self.escalate_after_ms)
                .into_iter()
                .map(|a| (super::escalate::id(a), a))
                .filter(|(id, _)| !told.contains(id))
                .map(|(id, a)| (id, a.id, serde_json::to_string(a).unwrap_or_default()))
                .collect();
        let current: std::collections::HashSet<String> =
            open.iter().map(super::escalate::id).collect();
        told.retain(|id| current.contains(id));
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

    /// Delivers what is due, in order, until one fails; within `max_per_minute` messages: when
    /// as many are due as the minute has room for, they leave together as one digest.
    async fn drain(&self, shutdown: &CancellationToken) {
        let now = now_ms();
        let channel = self.transport.channel();
        // In quiet hours only what is severe enough is due; the rest waits in the outbox.
        let only: Vec<&'static str> = self
            .quiet
            .as_ref()
            .filter(|q| q.is_quiet(channel, now))
            .map(super::Quiet::allowed)
            .unwrap_or_default();
        let Some((due, waiting)) = self
            .with_repo(move |r| Ok((r.due(now, BATCH, &only)?, r.waiting()?)))
            .await
        else {
            return;
        };
        self.metrics
            .waiting
            .with_label_values(&[channel])
            .set(waiting as i64);
        let room = self.room(now);
        if room == 0 || due.is_empty() {
            return;
        }
        // The minute's last message is kept for a digest of whatever is due by then.
        if due.len() >= room && due.len() > 1 {
            self.send(digest(&due, now)).await;
            return;
        }
        for q in due {
            if shutdown.is_cancelled() || !self.send(single(&q, now)).await {
                return;
            }
        }
    }

    /// Messages the last minute still has room for.
    fn room(&self, now: i64) -> usize {
        let mut sent = crate::shell::lock::lock(&self.sent);
        while sent.front().is_some_and(|t| now - t >= MINUTE_MS) {
            sent.pop_front();
        }
        self.max_per_minute.saturating_sub(sent.len())
    }

    /// One message; true when it was delivered (then every delivery it covers is marked).
    async fn send(&self, out: Outgoing) -> bool {
        let now = now_ms();
        crate::shell::lock::lock(&self.sent).push_back(now);
        let failure = self.transport.send(&out, now).await.err();
        let channel = self.transport.channel();
        let covers = out.covers;
        match failure {
            None => {
                self.metrics
                    .attempts
                    .with_label_values(&[channel, "delivered"])
                    .inc();
                tracing::info!(id = %out.id, event = %out.event, deliveries = covers.len(), "notification delivered");
                self.with_repo(move |r| covers.iter().try_for_each(|id| r.delivered(id, now)))
                    .await
                    .is_some()
            }
            Some(error) => {
                self.metrics
                    .attempts
                    .with_label_values(&[channel, "failed"])
                    .inc();
                let wait = self
                    .retry_initial_ms
                    .saturating_mul(1i64 << out.attempts.min(20))
                    .min(self.retry_max_ms);
                tracing::warn!(id = %out.id, attempts = out.attempts + 1, retry_in_ms = wait, %error, "notification not delivered");
                self.with_repo(move |r| {
                    covers
                        .iter()
                        .try_for_each(|id| r.failed(id, now + wait, &error))
                })
                .await;
                false
            }
        }
    }
}

/// One message: what it says and which outbox deliveries it makes.
pub struct Outgoing {
    pub event: String,
    pub id: String,
    /// The webhook's JSON; what an email is written from.
    pub body: Value,
    covers: Vec<String>,
    attempts: u32,
}

#[cfg(test)]
impl Outgoing {
    /// A message for a transport's rendering test.
    pub(super) fn for_test(event: &str, id: &str, body: Value) -> Outgoing {
        Outgoing {
            event: event.into(),
            id: id.into(),
            body,
            covers: Vec::new(),
            attempts: 0,
        }
    }
}

fn single(q: &Queued, now: i64) -> Outgoing {
    Outgoing {
        event: q.event.clone(),
        id: q.id.clone(),
        body: body(q, now),
        covers: vec![q.id.clone()],
        attempts: q.attempts,
    }
}

/// The deliveries `due` as one `alert.digest`: `{"event", "id", "sent_at", "count",
/// "deliveries": [{"event", "id", "alert" or "incident"}, …]}`, in order.
fn digest(due: &[Queued], now: i64) -> Outgoing {
    let first = due.first().map_or("", |q| q.id.as_str());
    let id = format!("digest-{}-{first}", due.len());
    let deliveries: Vec<Value> = due
        .iter()
        .map(|q| {
            let object: Value = serde_json::from_str(&q.object).unwrap_or(Value::Null);
            json!({"event": q.event, "id": q.id, object_key(&q.event): object})
        })
        .collect();
    Outgoing {
        event: "alert.digest".into(),
        body: json!({"event": "alert.digest", "id": id, "sent_at": rfc3339_utc(now), "count": due.len(), "deliveries": deliveries}),
        id,
        covers: due.iter().map(|q| q.id.clone()).collect(),
        attempts: due.first().map_or(0, |q| q.attempts),
    }
}

/// What the webhook receives: `{"event", "id", "sent_at", "alert"}`, or `"incident"` in
/// place of `"alert"` for an `incident.*` event.
fn body(q: &Queued, now: i64) -> Value {
    let object: Value = serde_json::from_str(&q.object).unwrap_or(Value::Null);
    json!({"event": q.event, "id": q.id, "sent_at": rfc3339_utc(now), object_key(&q.event): object})
}

/// The key of the object a delivery carries: `incident` for `incident.*`, else `alert`.
pub fn object_key(event: &str) -> &'static str {
    if event.starts_with("incident.") {
        "incident"
    } else {
        "alert"
    }
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
