//! What a node publishes: retained on its own topics, its summary every
//! `cluster.summary_interval_ms` and at every (re)connection, its key table when it changes,
//! and when it stops, the goodbye; and its alerts (`replication.rs`): a primary's changes as
//! they are decided and its current alerts, a follower's acknowledgements.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, QoS};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, Notify};
use tokio_util::sync::CancellationToken;

use super::keys;
use super::replication::{Outgoing, Replication};
use super::summary::{gone, summarise};
use crate::alerts::{AlertChange, AlertService, ForwardedAck};
use crate::auth::{Auth, KeyRecord};
use crate::shell::now_ms;
use crate::snapshot::SnapshotRx;

/// How often the key table is compared with the one last published (keys made with the CLI).
const KEY_POLL: Duration = Duration::from_secs(5);

/// How long a stopping node waits for its `gone` to leave.
pub(super) const GOODBYE: Duration = Duration::from_secs(2);

/// Who this node is, and where it publishes.
#[derive(Clone)]
pub(super) struct Me {
    pub cluster: String,
    pub node_id: String,
    /// This node's summary topic.
    pub topic: String,
    /// This node's key table topic.
    pub keys_topic: String,
}

pub(super) struct Publisher {
    pub me: Me,
    pub client: AsyncClient,
    pub snapshots: SnapshotRx,
    pub alerts: Arc<AlertService>,
    pub auth: Arc<Auth>,
    pub every: Duration,
    pub connected: Arc<Notify>,
    pub replication: Replication,
    pub acks: mpsc::UnboundedReceiver<ForwardedAck>,
    /// Incidents and posted events (`incidents.rs`).
    pub mouth: super::incidents::Mouth,
    /// Where this node says its operator reloaded the rules.
    pub reload_topic: String,
    /// What the link subscribes to after every connection (its session is clean).
    pub topics: Vec<String>,
}

impl Publisher {
    /// Publishes until `shutdown`, then says goodbye and disconnects.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut key_poll = tokio::time::interval(KEY_POLL);
        let mut key_changes = self.auth.key_changes();
        let mut alert_changes = self.alerts.subscribe();
        let mut reloads = self.alerts.reload_announcements();
        let mut incident_changes = self.mouth.incidents.subscribe();
        let mut posted = self.mouth.events.subscribe_posted();
        let mut published: Option<Vec<KeyRecord>> = None;
        loop {
            // Keys: at once on a change made here; at every (re)connection (a broker without
            // persistence forgot the retained table); and by polling, for keys that
            // `ioc keys` made in the store beside the running node.
            let keys_due = tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => false,
                _ = key_poll.tick() => true,
                _ = key_changes.changed() => true,
                _ = self.connected.notified() => {
                    published = None;
                    self.replication.reconnected();
                    if !self.subscribe(&shutdown).await {
                        break;
                    }
                    true
                }
                c = alert_changes.recv() => {
                    if matches!(c, Err(RecvError::Lagged(_))) {
                        self.replication.dirty = true;
                    }
                    let batch = drain(c, &mut alert_changes);
                    let out = self.replication.changes(batch);
                    if !self.send_alerts(out, &shutdown).await {
                        break;
                    }
                    continue;
                }
                Ok(()) = reloads.changed() => {
                    let m = super::reload::ReloadMessage {
                        v: super::origin::VERSION,
                        cluster: self.me.cluster.clone(),
                        node_id: self.me.node_id.clone(),
                        at_ms: now_ms(),
                    };
                    if !self.send(&self.reload_topic, &m, false, &shutdown).await {
                        break;
                    }
                    continue;
                }
                c = incident_changes.recv() => {
                    if !self.send_incident_changes(c, &mut incident_changes, &shutdown).await {
                        break;
                    }
                    continue;
                }
                Some(f) = self.mouth.forwarded.recv() => {
                    let m = super::incidents::IncidentMessage { forwarded: Some(f), ..self.mouth.place.message() };
                    if !self.send(&self.mouth.place.topic, &m, false, &shutdown).await {
                        break;
                    }
                    continue;
                }
                Some(r) = self.mouth.replies.recv() => {
                    // The changes the action made leave first: a follower adopts them before
                    // it answers its caller.
                    let pending = incident_changes.try_recv();
                    if !matches!(pending, Err(broadcast::error::TryRecvError::Empty)) {
                        let first = pending.map_err(|_| RecvError::Lagged(0));
                        if !self.send_incident_changes(first, &mut incident_changes, &shutdown).await {
                            break;
                        }
                    }
                    let m = super::incidents::IncidentMessage { reply: Some(r), ..self.mouth.place.message() };
                    if !self.send(&self.mouth.place.topic, &m, false, &shutdown).await {
                        break;
                    }
                    continue;
                }
                Ok(e) = posted.recv() => {
                    let m = super::incidents::IncidentMessage { events: vec![e], ..self.mouth.place.message() };
                    if !self.send(&self.mouth.place.topic, &m, false, &shutdown).await {
                        break;
                    }
                    continue;
                }
                Some(ack) = self.acks.recv() => {
                    let out = Some(self.replication.ack(ack));
                    if !self.send_alerts(out, &shutdown).await {
                        break;
                    }
                    continue;
                }
            };
            if keys_due && !self.send_keys(&mut published, &shutdown).await {
                break;
            }
            let out = self.replication.tick();
            if !self.send_alerts(out, &shutdown).await {
                break;
            }
            let deciding = self.alerts.is_deciding();
            let primary = self.replication.primary.clone();
            if let Some(table) = self.mouth.tick(deciding, primary).await {
                let topic = self.mouth.place.current_topic.clone();
                if !self.send(&topic, &table, true, &shutdown).await {
                    break;
                }
            }
            let snap = self.snapshots.borrow().clone();
            let open = self.alerts.open_alerts();
            let since = self.replication.decides_since;
            let summary = summarise(&self.me.cluster, &self.me.node_id, &snap, &open, since);
            if !self.send(&self.me.topic, &summary, true, &shutdown).await {
                break;
            }
        }
        let bye = gone(&self.me.cluster, &self.me.node_id, now_ms());
        let goodbye = async {
            self.send(&self.me.topic, &bye, true, &CancellationToken::new())
                .await;
            let _ = self.client.disconnect().await;
        };
        if tokio::time::timeout(GOODBYE, goodbye).await.is_err() {
            tracing::warn!("cluster link: goodbye not sent (broker unreachable); peers will see this node's summary go stale");
        }
    }

    /// Subscribes to the peers' topics, waiting for room in the request channel (the
    /// listener drains it). False when `stop` fired first.
    async fn subscribe(&self, stop: &CancellationToken) -> bool {
        let each = self
            .topics
            .iter()
            .map(|t| rumqttc::SubscribeFilter::new(t.clone(), QoS::AtLeastOnce));
        tokio::select! {
            _ = stop.cancelled() => false,
            r = self.client.subscribe_many(each) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "cluster subscriptions not queued");
                }
                true
            }
        }
    }

    /// Publishes this node's key table when it differs from the one last `published`. False
    /// when `stop` fired first.
    async fn send_keys(
        &self,
        published: &mut Option<Vec<KeyRecord>>,
        stop: &CancellationToken,
    ) -> bool {
        let table = match keys::table(&self.auth, &self.me.cluster, &self.me.node_id).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cluster key table not read");
                return true;
            }
        };
        if published.as_ref() == Some(&table.keys) {
            return true;
        }
        let sent = self.send(&self.me.keys_topic, &table, true, stop).await;
        *published = Some(table.keys);
        sent
    }

    /// The incident changes this node decided (the one received and those behind it), at
    /// once; a follower's adopted changes are not sent on. False when `stop` fired first.
    async fn send_incident_changes(
        &mut self,
        first: Result<crate::incidents::Change, RecvError>,
        rx: &mut broadcast::Receiver<crate::incidents::Change>,
        stop: &CancellationToken,
    ) -> bool {
        if matches!(first, Err(RecvError::Lagged(_))) {
            self.mouth.dirty = true;
        }
        let mut changes: Vec<_> = first.into_iter().collect();
        while let Ok(c) = rx.try_recv() {
            changes.push(c);
        }
        if changes.is_empty() || !self.mouth.incidents.is_deciding() {
            return true;
        }
        self.mouth.dirty = true;
        let m = super::incidents::IncidentMessage {
            changes,
            ..self.mouth.place.message()
        };
        self.send(&self.mouth.place.topic, &m, false, stop).await
    }

    /// A primary's changes (at once, not retained) or current alerts (retained); a
    /// follower's acknowledgement.
    async fn send_alerts(&self, out: Option<Outgoing>, stop: &CancellationToken) -> bool {
        let t = &self.replication.territory;
        match out {
            None => true,
            Some(Outgoing::Changes(m)) => self.send(&t.changes_topic, &m, false, stop).await,
            Some(Outgoing::Current(c)) => self.send(&t.current_topic, &c, true, stop).await,
        }
    }

    /// Publishes `message` on `topic`, QoS 1. False when `stop` fired before the request
    /// could be queued.
    async fn send(
        &self,
        topic: &str,
        message: &impl serde::Serialize,
        retain: bool,
        stop: &CancellationToken,
    ) -> bool {
        let Ok(bytes) = serde_json::to_vec(message) else {
            return true;
        };
        tokio::select! {
            _ = stop.cancelled() => false,
            r = self.client.publish(topic, QoS::AtLeastOnce, retain, bytes) => {
                if let Err(e) = r {
                    tracing::warn!(%topic, error = %e, "cluster message not queued");
                }
                true
            }
        }
    }
}

/// The change just received and those waiting behind it, as one batch. A lagging receiver
/// lost changes: the current alerts, published at the next tick, catch the followers up.
fn drain(
    first: Result<AlertChange, RecvError>,
    rx: &mut broadcast::Receiver<AlertChange>,
) -> Vec<AlertChange> {
    let mut batch: Vec<AlertChange> = first.into_iter().collect();
    while let Ok(c) = rx.try_recv() {
        batch.push(c);
    }
    batch
}
