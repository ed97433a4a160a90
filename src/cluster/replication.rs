//! The alert side of the cluster link: every summary interval it decides whether this node is
//! the primary of its territory (`role.rs`) and tells the alert service; a primary publishes
//! each change it decides at once, and its current alerts, retained, when they changed; a
//! follower catches up from the primary's current alerts and forwards its acknowledgements.
//! What the listener hears lands in [`Heard`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::alerts::{AlertMessage, AlertTable};
use super::origin::VERSION;
use super::role;
use crate::alerts::{AlertChange, AlertService, ForwardedAck};
use crate::shell::{lock, now_ms};
use crate::snapshot::SharedForeign;

/// The latest current-alerts table of each node of this territory, as the listener heard it.
pub type HeardTables = Arc<Mutex<BTreeMap<Arc<str>, AlertTable>>>;

/// Who this node is among its replicas.
#[derive(Clone)]
pub(super) struct Territory {
    pub cluster: String,
    pub node_id: String,
    /// District ids, sorted (every district for a replica of the whole city).
    pub ids: Vec<String>,
    /// Their indices, sorted.
    pub indices: Vec<u16>,
    /// `{alerts_topic}/changes` and `{alerts_topic}/current/{node_id}`.
    pub changes_topic: String,
    pub current_topic: String,
}

/// What the publisher sends for the alerts.
pub(super) enum Outgoing {
    Changes(AlertMessage),
    Current(AlertTable),
}

pub(super) struct Replication {
    pub territory: Territory,
    pub alerts: Arc<AlertService>,
    pub foreign: SharedForeign,
    pub heard: HeardTables,
    pub stale_after_ms: i64,
    /// Where the alert service puts a follower's acknowledgements.
    pub acks: mpsc::UnboundedSender<ForwardedAck>,
    /// When the link last connected; a node decides only once it has heard its peers.
    pub connected_at: Option<Instant>,
    /// Whether the link is connected now.
    pub up: Arc<std::sync::atomic::AtomicBool>,
    pub settle: Duration,
    /// The primary's table last adopted: (node, generated_at).
    pub adopted: Option<(Arc<str>, i64)>,
    /// Since when this node decides; `None` while it follows.
    pub decides_since: Option<i64>,
    /// Whether the current alerts changed since last published (or were never published).
    pub dirty: bool,
    /// Incidents follow the alerts' role: where a follower's incident actions go.
    pub incidents: Arc<crate::incidents::IncidentService>,
    pub forward_incidents: mpsc::UnboundedSender<crate::incidents::Forwarded>,
    /// While following: the primary and since when it decides.
    pub primary: Option<(Arc<str>, i64)>,
}

impl Replication {
    /// Decides the role; a follower catches up from its primary's table. Returns the
    /// primary's table to publish, when this node decides and it changed.
    pub fn tick(&mut self) -> Option<Outgoing> {
        let now = now_ms();
        let peers = lock::lock(&self.foreign).fresh_nodes(now - self.stale_after_ms);
        let up = self.up.load(std::sync::atomic::Ordering::Acquire);
        let settled = up
            && self
                .connected_at
                .is_some_and(|t| t.elapsed() >= self.settle);
        let t = &self.territory;
        let was = self.decides_since.is_some();
        // Unsettled (just started, or reconnected) or cut off, a node keeps its role: a blip
        // must not hand it over, nor a node that hears nobody take it.
        let deciding = match settled {
            true => role::decides(&t.node_id, &t.indices, &peers, was, true),
            false => was,
        };
        // A follower, settled or not, forwards: only the decider makes acknowledgements.
        let forward = (!deciding).then(|| self.acks.clone());
        self.alerts.set_role(deciding, forward);
        let forward = (!deciding).then(|| self.forward_incidents.clone());
        self.incidents.set_role(deciding, forward);
        self.primary = None;
        if deciding {
            self.decides_since.get_or_insert(now);
            self.adopted = None;
            self.dirty |= !was;
            return self.current();
        }
        self.decides_since = None;
        let primary = role::leader(&t.indices, &peers)?;
        let since = peers.get(primary).and_then(|p| p.decides_since)?;
        let primary: Arc<str> = primary.into();
        self.primary = Some((primary.clone(), since));
        let heard = lock::lock(&self.heard);
        // Only a table of the primary's current term: an older one may be the retained
        // table of a term it had before it restarted.
        let table = heard.get(&primary).filter(|t| t.generated_at >= since)?;
        let fresher = self
            .adopted
            .as_ref()
            .is_none_or(|(node, at)| *node != primary || *at < table.generated_at);
        if fresher {
            let n = self.alerts.adopt_current(&table.alerts, table.generated_at);
            if n > 0 {
                tracing::info!(%primary, adopted = n, "alerts caught up from the primary");
            }
            self.adopted = Some((primary, table.generated_at));
        }
        None
    }

    /// Changes this node decided, to publish at once (a follower publishes none).
    pub fn changes(&mut self, changes: Vec<AlertChange>) -> Option<Outgoing> {
        if changes.is_empty() || !self.alerts.is_deciding() {
            return None;
        }
        self.dirty = true;
        Some(Outgoing::Changes(self.message(changes, None)))
    }

    /// A follower's acknowledgement, for the primary.
    pub fn ack(&self, ack: ForwardedAck) -> Outgoing {
        Outgoing::Changes(self.message(Vec::new(), Some(ack)))
    }

    /// After a reconnection the retained table may be gone: publish it again.
    pub fn reconnected(&mut self) {
        self.connected_at = Some(Instant::now());
        self.dirty = true;
    }

    fn current(&mut self) -> Option<Outgoing> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        let t = &self.territory;
        Some(Outgoing::Current(AlertTable {
            v: VERSION,
            cluster: t.cluster.clone(),
            node_id: t.node_id.clone(),
            territory: t.ids.clone(),
            generated_at: now_ms(),
            alerts: self.alerts.current_alerts(),
        }))
    }

    fn message(&self, changes: Vec<AlertChange>, ack: Option<ForwardedAck>) -> AlertMessage {
        let t = &self.territory;
        AlertMessage {
            v: VERSION,
            cluster: t.cluster.clone(),
            node_id: t.node_id.clone(),
            territory: t.ids.clone(),
            changes,
            ack,
        }
    }
}
