//! The thin async shell: a broker connection of its own (clean session, so a restart starts
//! from the retained messages; its last will is this node's `gone`). It publishes this node's
//! summary and key table (`publisher.rs`), folds every peer's summary into the snapshot's
//! [`Foreign`](crate::snapshot::Foreign), and adopts every peer's key table. Readings never pass
//! here: the ingest connection stays as it is.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, LastWill, Outgoing, Packet, QoS};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::alerts::{parse, AlertMessage, AlertTable};
use super::keys;
use super::publisher::{Me, Publisher, GOODBYE};
use super::reload::{self, Reloader};
use super::replication::{HeardTables, Replication, Territory};
use super::summary::{gone, heard, Heard};
use super::ClusterSettings;
use crate::alerts::AlertService;
use crate::auth::Auth;
use crate::ingest::{mqtt_options, BrokerUrl, MqttSettings, OptionsError};
use crate::model::City;
use crate::shell::{lock, now_ms, Backoff};
use crate::snapshot::{SharedForeign, Snapshot, SnapshotRx};

/// What the link reads and fills.
pub struct LinkParts {
    pub city: Arc<City>,
    pub snapshots: SnapshotRx,
    pub alerts: Arc<AlertService>,
    pub auth: Arc<Auth>,
    pub foreign: SharedForeign,
    /// `alerts.rules_path`, re-read when a peer's operator reloads the rules.
    pub rules_path: String,
    pub incidents: Arc<crate::incidents::IncidentService>,
    pub events: Arc<crate::events::EventService>,
}

/// A forwarded acknowledgement older than this is dropped (the follower waits 3 s).
const STALE_ACK_MS: i64 = 10_000;

/// The running link.
pub struct Link {
    listener: JoinHandle<()>,
    publisher: JoinHandle<()>,
    /// Stops the listener when the goodbye's Disconnect never comes back (broker gone).
    done: CancellationToken,
}

impl Link {
    pub fn start(
        settings: &ClusterSettings,
        mqtt: &MqttSettings,
        url: &BrokerUrl,
        parts: LinkParts,
        shutdown: CancellationToken,
    ) -> Result<Link, OptionsError> {
        let me = Me {
            cluster: settings.name.clone(),
            node_id: settings.node_id.clone(),
            topic: format!("{}/{}", settings.summary_topic(), settings.node_id),
            keys_topic: format!("{}/{}", settings.keys_topic(), settings.node_id),
        };
        let mut m = mqtt.clone();
        m.client_id = format!("{}-summary", settings.ingest_client_id(&mqtt.client_id));
        if !settings.username.is_empty() {
            m.username = settings.username.clone();
            m.password = settings.password.clone();
        }
        let mut options = mqtt_options(&m, url)?;
        options.set_clean_session(true);
        let will =
            serde_json::to_vec(&gone(&me.cluster, &me.node_id, now_ms())).unwrap_or_default();
        options.set_last_will(LastWill::new(&me.topic, will, QoS::AtLeastOnce, true));
        let (client, eventloop) = AsyncClient::new(options, 16);
        let connected = Arc::new(Notify::new());
        let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let topics = vec![
            format!("{}/+", settings.summary_topic()),
            format!("{}/+", settings.keys_topic()),
            format!("{}/current/+", settings.alerts_topic()),
            format!("{}/changes", settings.alerts_topic()),
            format!("{}/reload", settings.alerts_topic()),
            format!("{}/incidents", settings.alerts_topic()),
            format!("{}/incidents-current/+", settings.alerts_topic()),
        ];
        let done = CancellationToken::new();
        let territory = territory(settings, &parts.city, &parts.snapshots.borrow());
        let heard = HeardTables::default();
        let (acks, acks_rx) = tokio::sync::mpsc::unbounded_channel();
        let place = super::incidents::Place::new(settings, &territory.ids);
        let (ears, mouth, forward_incidents) =
            super::incidents::wire(place, parts.incidents.clone(), parts.events.clone());
        let replication = Replication {
            territory: territory.clone(),
            alerts: parts.alerts.clone(),
            foreign: parts.foreign.clone(),
            heard: heard.clone(),
            stale_after_ms: settings.stale_after_ms(),
            acks,
            connected_at: None,
            up: up.clone(),
            settle: Duration::from_millis(2 * settings.summary_interval_ms),
            adopted: None,
            decides_since: None,
            dirty: true,
            incidents: parts.incidents.clone(),
            forward_incidents,
            primary: None,
        };
        let listener = Listener {
            me: me.clone(),
            city: parts.city,
            foreign: parts.foreign,
            auth: parts.auth.clone(),
            summaries: format!("{}/+", settings.summary_topic()),
            keys: format!("{}/+", settings.keys_topic()),
            current: format!("{}/current/+", settings.alerts_topic()),
            reload_topic: format!("{}/reload", settings.alerts_topic()),
            reloader: Reloader {
                alerts: parts.alerts.clone(),
                auth: parts.auth.clone(),
                path: parts.rules_path.clone(),
            },
            territory,
            alerts: parts.alerts.clone(),
            heard,
            ears,
            connected: connected.clone(),
            up,
            backoff: Backoff::new(mqtt.reconnect_initial_ms, mqtt.reconnect_max_ms),
        };
        let publisher = Publisher {
            me,
            client,
            snapshots: parts.snapshots,
            alerts: parts.alerts,
            auth: parts.auth,
            every: Duration::from_millis(settings.summary_interval_ms),
            connected,
            replication,
            acks: acks_rx,
            mouth,
            reload_topic: format!("{}/reload", settings.alerts_topic()),
            topics,
        };
        Ok(Link {
            listener: tokio::spawn(listener.run(eventloop, shutdown.clone(), done.clone())),
            publisher: tokio::spawn(publisher.run(shutdown)),
            done,
        })
    }

    /// Waits until the link has said goodbye and closed. Call after cancelling the shutdown
    /// token.
    pub async fn closed(self) {
        let _ = self.publisher.await;
        let mut listener = self.listener;
        if tokio::time::timeout(GOODBYE, &mut listener).await.is_err() {
            self.done.cancel();
            let _ = listener.await;
        }
    }
}

struct Listener {
    me: Me,
    city: Arc<City>,
    foreign: SharedForeign,
    auth: Arc<Auth>,
    /// The topic filters of the peers' summaries, key tables and current alerts.
    summaries: String,
    keys: String,
    current: String,
    /// Where a node says its operator reloaded the rules, and how this one follows.
    reload_topic: String,
    reloader: Reloader,
    /// This node's territory (and its alerts' changes topic).
    territory: Territory,
    alerts: Arc<AlertService>,
    heard: HeardTables,
    /// Incident messages and tables (`incidents.rs`).
    ears: super::incidents::Ears,
    connected: Arc<Notify>,
    /// Whether the link is connected now (a node changes no role while it is not).
    up: Arc<std::sync::atomic::AtomicBool>,
    backoff: Backoff,
}

impl Listener {
    /// Polls the event loop until the goodbye is sent (or `done` gives up on it).
    async fn run(
        mut self,
        mut events: EventLoop,
        shutdown: CancellationToken,
        done: CancellationToken,
    ) {
        loop {
            let event = tokio::select! {
                _ = done.cancelled() => return,
                e = events.poll() => e,
            };
            match event {
                Ok(Event::Incoming(Packet::Publish(p))) => self.hear(&p.topic, &p.payload),
                Ok(Event::Incoming(Packet::ConnAck(_))) => self.connected(),
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(e) if shutdown.is_cancelled() => {
                    tracing::debug!(error = %e, "cluster link closed");
                    return;
                }
                Err(e) => {
                    self.up.store(false, std::sync::atomic::Ordering::Release);
                    let wait = self.backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cluster link lost");
                    tokio::select! {
                        _ = done.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    /// The publisher subscribes (it may wait on the request channel; this task drains it).
    fn connected(&mut self) {
        self.backoff.reset();
        self.up.store(true, std::sync::atomic::Ordering::Release);
        tracing::info!(summaries = %self.summaries, keys = %self.keys, "cluster link connected");
        self.connected.notify_one();
    }

    fn hear(&self, topic: &str, payload: &[u8]) {
        if payload.is_empty() || self.ears.hear(topic, payload) {
            return; // a retained message cleared by hand, or an incident topic
        }
        if topic.starts_with(self.keys.trim_end_matches('+')) {
            self.hear_keys(topic, payload);
            return;
        }
        if topic == self.reload_topic {
            self.hear_reload(topic, payload);
            return;
        }
        if topic == self.territory.changes_topic {
            self.hear_changes(topic, payload);
            return;
        }
        if topic.starts_with(self.current.trim_end_matches('+')) {
            self.hear_current(topic, payload);
            return;
        }
        let suffix = topic.rsplit('/').next().unwrap_or_default();
        match heard(payload, &self.me.cluster, &self.city, now_ms()) {
            Ok(Heard::Districts(node, _, _) | Heard::Gone(node)) if *node != *suffix => {
                tracing::warn!(%topic, %node, "cluster summary refused: a node speaks only on its own topic");
            }
            Ok(Heard::Districts(node, _, _)) if *node == *self.me.node_id => {}
            Ok(Heard::Districts(node, districts, city)) => {
                let mut foreign = lock::lock(&self.foreign);
                for (d, remote) in districts {
                    foreign.offer(d, remote);
                }
                if let Some(city) = city {
                    foreign.offer_city(node, now_ms(), city);
                }
            }
            Ok(Heard::Gone(node)) => {
                tracing::info!(node = %node, "cluster peer stopped");
                lock::lock(&self.foreign).forget(&node);
            }
            Err(e) => tracing::warn!(%topic, reason = %e, "cluster summary refused"),
        }
    }

    /// Adopts a peer's key table, off the executor (several may run at once: adopting is
    /// idempotent and order-free).
    fn hear_keys(&self, topic: &str, payload: &[u8]) {
        let suffix = topic.rsplit('/').next().unwrap_or_default();
        let table = match keys::parse(payload, &self.me.cluster) {
            Ok(t) if t.node_id == self.me.node_id => return,
            Ok(t) if t.node_id != suffix => {
                tracing::warn!(%topic, node = %t.node_id, "cluster key table refused: a node speaks only on its own topic");
                return;
            }
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(%topic, reason = %e, "cluster key table refused");
                return;
            }
        };
        let (auth, node) = (self.auth.clone(), table.node_id.clone());
        tokio::spawn(async move {
            match keys::adopt(&auth, table).await {
                Ok(a) => {
                    if a.created + a.revoked > 0 {
                        tracing::info!(%node, created = a.created, revoked = a.revoked, "keys adopted from a peer");
                    }
                    for reason in a.refused {
                        tracing::warn!(%node, %reason, "a peer's key refused");
                    }
                }
                Err(e) => tracing::warn!(%node, error = %e, "a peer's key table not adopted"),
            }
        });
    }
}

impl Listener {
    /// A primary's changes (a follower adopts them) or a follower's acknowledgement (the
    /// primary makes it).
    fn hear_changes(&self, topic: &str, payload: &[u8]) {
        let t = &self.territory;
        let m = match parse::<AlertMessage>(payload, &t.cluster, &t.node_id, &t.ids) {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(%topic, reason = %e, "cluster alert message refused");
                return;
            }
        };
        if !m.changes.is_empty() && !self.alerts.is_deciding() {
            self.alerts.adopt(&m.changes);
        }
        // An acknowledgement the follower has long stopped waiting for (it answered "try
        // again") is not made behind the operator's back.
        let ack = m.ack.filter(|a| now_ms() - a.at_ms <= STALE_ACK_MS);
        if let (Some(ack), true) = (ack, self.alerts.is_deciding()) {
            let alerts = self.alerts.clone();
            tokio::spawn(async move {
                let r = alerts.acknowledge(ack.id, &ack.by, &ack.comment, ack.at_ms);
                if let Err(e) = r.await {
                    tracing::info!(id = ack.id, reason = %e, "a forwarded acknowledgement was not made");
                }
            });
        }
    }

    /// A peer's operator reloaded the rules: this node re-reads its own.
    fn hear_reload(&self, topic: &str, payload: &[u8]) {
        let t = &self.territory;
        match reload::parse(payload, &t.cluster, &t.node_id) {
            Ok(Some(m)) => {
                let reloader = self.reloader.clone();
                tokio::spawn(async move { reloader.reload(&m.node_id).await });
            }
            Ok(None) => {}
            Err(reason) => tracing::warn!(%topic, %reason, "cluster reload message refused"),
        }
    }

    /// A peer's current alerts, kept for the publisher: a follower catches up from its
    /// primary's.
    fn hear_current(&self, topic: &str, payload: &[u8]) {
        let t = &self.territory;
        match parse::<AlertTable>(payload, &t.cluster, &t.node_id, &t.ids) {
            Ok(Some(table)) if !topic.ends_with(&format!("/{}", table.node_id)) => {
                tracing::warn!(%topic, node = %table.node_id, "cluster alert table refused: a node speaks only on its own topic");
            }
            Ok(Some(table)) => {
                let node: Arc<str> = table.node_id.as_str().into();
                lock::lock(&self.heard).insert(node, table);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%topic, reason = %e, "cluster alert table refused"),
        }
    }
}

/// This node's territory among its replicas: the districts its snapshot owns (all of them for
/// a replica of the whole city).
fn territory(settings: &ClusterSettings, city: &City, snap: &Snapshot) -> Territory {
    let indices: Vec<u16> = (0..city.districts.len() as u16)
        .filter(|&d| snap.owns(crate::model::DistrictIdx(d)))
        .collect();
    let mut ids: Vec<String> = indices
        .iter()
        .map(|&d| city.district(crate::model::DistrictIdx(d)).id.clone())
        .collect();
    ids.sort();
    let topic = settings.alerts_topic();
    Territory {
        cluster: settings.name.clone(),
        node_id: settings.node_id.clone(),
        ids,
        indices,
        changes_topic: format!("{topic}/changes"),
        current_topic: format!("{topic}/current/{}", settings.node_id),
    }
}
