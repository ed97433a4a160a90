//! Incidents between replicas (`incidents::replica`): on `{alerts_topic}/incidents` the
//! deciding node publishes each change it makes and its reply to each forwarded action, a
//! follower its forwarded actions, and any node the events posted to it over HTTP (events over
//! MQTT reach every replica by themselves); retained on `{alerts_topic}/incidents-current/{node}`,
//! the deciding node's current incidents, from which a follower catches up. Messages are
//! handled one at a time, in order, off the executor (`Inbox`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::alerts::{parse, Envelope};
use super::origin::VERSION;
use crate::events::{Event, EventService};
use crate::incidents::{Change, Forwarded, Incident, IncidentService, Reply};
use crate::shell::{lock, now_ms};

/// A batch of changes, a forwarded action, a reply or posted events.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentMessage {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub territory: Vec<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub forwarded: Option<Forwarded>,
    #[serde(default)]
    pub reply: Option<Reply>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// The deciding node's current incidents, retained.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentTable {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub territory: Vec<String>,
    pub generated_at: i64,
    pub incidents: Vec<Incident>,
}

impl Envelope for IncidentMessage {
    fn envelope(&self) -> (u32, &str, &str, &[String]) {
        (self.v, &self.cluster, &self.node_id, &self.territory)
    }
}

impl Envelope for IncidentTable {
    fn envelope(&self) -> (u32, &str, &str, &[String]) {
        (self.v, &self.cluster, &self.node_id, &self.territory)
    }
}

/// The latest incident table of each node of this territory.
pub type HeardIncidents = Arc<Mutex<BTreeMap<Arc<str>, IncidentTable>>>;

/// Who this node is, for the envelopes and the topics.
#[derive(Clone)]
pub(super) struct Place {
    pub cluster: String,
    pub node_id: String,
    pub territory: Vec<String>,
    pub topic: String,
    pub current_topic: String,
}

impl Place {
    pub fn new(settings: &super::ClusterSettings, territory: &[String]) -> Place {
        let topic = format!("{}/incidents", settings.alerts_topic());
        Place {
            cluster: settings.name.clone(),
            node_id: settings.node_id.clone(),
            territory: territory.to_vec(),
            current_topic: format!("{topic}-current/{}", settings.node_id),
            topic,
        }
    }

    pub fn message(&self) -> IncidentMessage {
        IncidentMessage {
            v: VERSION,
            cluster: self.cluster.clone(),
            node_id: self.node_id.clone(),
            territory: self.territory.clone(),
            changes: Vec::new(),
            forwarded: None,
            reply: None,
            events: Vec::new(),
        }
    }

    pub fn table(&self, incidents: Vec<Incident>) -> IncidentTable {
        IncidentTable {
            v: VERSION,
            cluster: self.cluster.clone(),
            node_id: self.node_id.clone(),
            territory: self.territory.clone(),
            generated_at: now_ms(),
            incidents,
        }
    }
}

/// The listener's side: what it heard, parsed, queued for [`Inbox::run`].
pub(super) struct Ears {
    pub place: Place,
    pub inbox: mpsc::UnboundedSender<IncidentMessage>,
    pub heard: HeardIncidents,
}

impl Ears {
    /// True when `topic` was an incident topic (handled here).
    pub fn hear(&self, topic: &str, payload: &[u8]) -> bool {
        let p = &self.place;
        if topic == p.topic {
            match parse::<IncidentMessage>(payload, &p.cluster, &p.node_id, &p.territory) {
                Ok(Some(m)) => {
                    let _ = self.inbox.send(m);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(%topic, reason = %e, "cluster incident message refused"),
            }
            return true;
        }
        let current = p.current_topic.rsplit_once('/').map_or("", |(t, _)| t);
        if !topic.starts_with(current) || topic.len() <= current.len() {
            return false;
        }
        match parse::<IncidentTable>(payload, &p.cluster, &p.node_id, &p.territory) {
            Ok(Some(t)) if topic.ends_with(&format!("/{}", t.node_id)) => {
                lock::lock(&self.heard).insert(t.node_id.as_str().into(), t);
            }
            Ok(Some(t)) => {
                tracing::warn!(%topic, node = %t.node_id, "cluster incident table refused: a node speaks only on its own topic");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%topic, reason = %e, "cluster incident table refused"),
        }
        true
    }
}

/// Handles what the listener heard, one message at a time, in order: a follower adopts
/// changes and takes replies; the deciding node makes forwarded actions (their replies go to
/// `replies`); every node stores posted events.
pub(super) struct Inbox {
    pub incidents: Arc<IncidentService>,
    pub events: Arc<EventService>,
    pub replies: mpsc::UnboundedSender<Reply>,
}

impl Inbox {
    pub async fn run(self, mut rx: mpsc::UnboundedReceiver<IncidentMessage>) {
        while let Some(m) = rx.recv().await {
            let (incidents, events, replies) = (
                self.incidents.clone(),
                self.events.clone(),
                self.replies.clone(),
            );
            let done =
                tokio::task::spawn_blocking(move || handle(&incidents, &events, &replies, m));
            if let Err(e) = done.await {
                tracing::warn!(error = %e, "a cluster incident message was not handled");
            }
        }
    }
}

fn handle(
    incidents: &IncidentService,
    events: &EventService,
    replies: &mpsc::UnboundedSender<Reply>,
    m: IncidentMessage,
) {
    for e in &m.events {
        events.adopt(e);
    }
    let deciding = incidents.is_deciding();
    if !deciding && !m.changes.is_empty() {
        incidents.adopt(&m.changes);
    }
    if let (Some(reply), false) = (m.reply, deciding) {
        incidents.replied(reply);
    }
    // An action a follower has long stopped waiting for is not made behind its back.
    let fresh = m.forwarded.filter(|f| now_ms() - f.at_ms <= 10_000);
    if let (Some(f), true) = (fresh, deciding) {
        let _ = replies.send(incidents.apply_forwarded(f));
    }
}

/// The publisher's side: what to send, and the state of the table and the catching up.
pub(super) struct Mouth {
    pub place: Place,
    pub incidents: Arc<IncidentService>,
    pub events: Arc<EventService>,
    /// A follower's actions, from its incident service.
    pub forwarded: mpsc::UnboundedReceiver<Forwarded>,
    /// The deciding node's replies to them, from the inbox.
    pub replies: mpsc::UnboundedReceiver<Reply>,
    pub heard: HeardIncidents,
    /// The deciding node's table last adopted: (node, generated_at).
    adopted: Option<(Arc<str>, i64)>,
    /// Whether the current incidents changed since last published.
    pub dirty: bool,
}

/// Builds both sides and starts the inbox; returns where a follower's incident service
/// forwards its actions.
pub(super) fn wire(
    place: Place,
    incidents: Arc<IncidentService>,
    events: Arc<EventService>,
) -> (Ears, Mouth, mpsc::UnboundedSender<Forwarded>) {
    let (inbox_tx, inbox_rx) = mpsc::unbounded_channel();
    let (replies_tx, replies_rx) = mpsc::unbounded_channel();
    let (forward_tx, forward_rx) = mpsc::unbounded_channel();
    let heard = HeardIncidents::default();
    let inbox = Inbox {
        incidents: incidents.clone(),
        events: events.clone(),
        replies: replies_tx,
    };
    tokio::spawn(inbox.run(inbox_rx));
    let ears = Ears {
        place: place.clone(),
        inbox: inbox_tx,
        heard: heard.clone(),
    };
    let mouth = Mouth {
        place,
        incidents,
        events,
        forwarded: forward_rx,
        replies: replies_rx,
        heard,
        adopted: None,
        dirty: true,
    };
    (ears, mouth, forward_tx)
}

impl Mouth {
    /// Every summary interval: the deciding node's table when it changed (to publish,
    /// retained); a follower catches up from its `primary`'s table of its current term
    /// (`since`: when that node began deciding).
    pub async fn tick(
        &mut self,
        deciding: bool,
        primary: Option<(Arc<str>, i64)>,
    ) -> Option<IncidentTable> {
        if deciding {
            self.adopted = None;
            if !std::mem::take(&mut self.dirty) {
                return None;
            }
            let s = self.incidents.clone();
            let current = tokio::task::spawn_blocking(move || s.current(now_ms())).await;
            return match current {
                Ok(Ok(incidents)) => Some(self.place.table(incidents)),
                _ => {
                    self.dirty = true;
                    None
                }
            };
        }
        self.dirty = true; // once deciding, publish at once
        let (node, since) = primary?;
        let table = lock::lock(&self.heard)
            .get(&node)
            .filter(|t| t.generated_at >= since)
            .cloned()?;
        let fresher = self
            .adopted
            .as_ref()
            .is_none_or(|(n, at)| *n != node || *at < table.generated_at);
        if !fresher {
            return None;
        }
        self.adopted = Some((node.clone(), table.generated_at));
        let s = self.incidents.clone();
        let n = tokio::task::spawn_blocking(move || s.adopt_current(&table.incidents)).await;
        if let Ok(n @ 1..) = n {
            tracing::info!(primary = %node, caught_up = n, "incidents caught up from the deciding node");
        }
        None
    }
}
