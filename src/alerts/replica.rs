//! An alert service in a cluster. Of the nodes that own the same districts (replicas), one
//! decides alerts, the primary; the others follow: they evaluate nothing, adopt every change
//! the primary decided ([`AlertService::adopt`]: same ids, states, acknowledgements, stored
//! and broadcast as if made here), and forward acknowledgements to it, answering once its
//! change comes back. A follower that becomes primary carries on from what it adopted. Alone,
//! a node always decides.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc;

use super::recorder::Done;
use super::{AckError, Alert, AlertChange, AlertService, AlertState, EventKind};

/// How long a forwarded acknowledgement waits for the primary's change.
const ACK_CONFIRM: Duration = Duration::from_secs(3);

/// An acknowledgement a follower asks the primary to make.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForwardedAck {
    pub id: i64,
    pub by: String,
    pub comment: String,
    pub at_ms: i64,
}

/// Whether this node decides, where a follower's acknowledgements go, and a count of the
/// rule reloads an operator made on this node (the cluster link passes them on).
#[derive(Debug)]
pub struct Role {
    deciding: AtomicBool,
    forward: Mutex<Option<mpsc::UnboundedSender<ForwardedAck>>>,
    reloads: tokio::sync::watch::Sender<u64>,
}

impl Default for Role {
    fn default() -> Role {
        Role {
            deciding: AtomicBool::new(true),
            forward: Mutex::new(None),
            reloads: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Role {
    pub(super) fn deciding(&self) -> bool {
        self.deciding.load(Ordering::Acquire)
    }

    /// Where to forward an acknowledgement: `Ok(None)` when this node decides; an error when
    /// it neither decides nor knows where to forward yet (a node joining its cluster).
    pub(super) fn forwarding(
        &self,
        id: i64,
    ) -> Result<Option<mpsc::UnboundedSender<ForwardedAck>>, AckError> {
        if self.deciding() {
            return Ok(None);
        }
        match crate::shell::lock::lock(&self.forward).clone() {
            Some(to) => Ok(Some(to)),
            None => Err(AckError::Unconfirmed(format!(
                "alert {id}: this node is joining its cluster and does not decide alerts yet; try again in a few seconds"
            ))),
        }
    }
}

impl AlertService {
    /// Makes this node decide alerts (the primary, or alone) or follow one that does, whose
    /// acknowledgements go to `forward`.
    pub fn set_role(&self, deciding: bool, forward: Option<mpsc::UnboundedSender<ForwardedAck>>) {
        *crate::shell::lock::lock(&self.role.forward) = forward;
        let was = self.role.deciding.swap(deciding, Ordering::AcqRel);
        if was != deciding {
            tracing::info!(deciding, "alert role changed");
        }
    }

    pub fn is_deciding(&self) -> bool {
        self.role.deciding()
    }

    /// Says that an operator reloaded the rules here, for the other nodes to reload theirs.
    pub fn announce_reload(&self) {
        self.role.reloads.send_modify(|n| *n += 1);
    }

    /// Bumped by every [`announce_reload`](Self::announce_reload).
    pub fn reload_announcements(&self) -> tokio::sync::watch::Receiver<u64> {
        self.role.reloads.subscribe()
    }

    /// Takes the changes the primary decided as this node's own: stored and broadcast in
    /// order. Returns how many were adopted (a change of a rule this node lacks is not).
    pub fn adopt(&self, changes: &[AlertChange]) -> usize {
        let mut state = self.lock();
        let adopted: Vec<AlertChange> = changes
            .iter()
            .filter(|c| state.engine.adopt(c))
            .cloned()
            .collect();
        let n = adopted.len();
        if let Err(e) = self.queue(&mut state, adopted, Done::Nobody) {
            tracing::warn!(error = %e, "adopted alert changes not stored");
        }
        n
    }

    /// A follower's acknowledgement: checked against the alerts it holds, sent to the primary,
    /// answered once the primary's change comes back.
    pub(super) async fn forward_ack(
        &self,
        to: mpsc::UnboundedSender<ForwardedAck>,
        id: i64,
        by: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Alert, AckError> {
        self.ackable(id)?;
        let mut changes = self.changes.subscribe();
        let ack = ForwardedAck {
            id,
            by: by.to_owned(),
            comment: comment.to_owned(),
            at_ms: now_ms,
        };
        let unconfirmed = || {
            AckError::Unconfirmed(format!(
                "alert {id}: the node that decides alerts did not confirm the acknowledgement; try again"
            ))
        };
        to.send(ack).map_err(|_| unconfirmed())?;
        let confirmed = async {
            loop {
                match changes.recv().await {
                    Ok(c) if c.alert.id == id && c.event.kind == EventKind::Acknowledged => {
                        return Some(c.alert);
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return None,
                }
            }
        };
        match tokio::time::timeout(ACK_CONFIRM, confirmed).await {
            Ok(Some(alert)) => Ok(alert),
            _ => Err(unconfirmed()),
        }
    }

    /// The same checks the primary's engine makes, against what this node holds.
    fn ackable(&self, id: i64) -> Result<(), AckError> {
        let state = self.lock();
        let alert = state.engine.open_alerts().find(|a| a.id == id);
        match alert.map(|a| (a.state, a.acknowledged.as_ref())) {
            None => Err(AckError::NotFound(id)),
            Some((AlertState::Firing, _)) => Ok(()),
            Some((AlertState::Acknowledged, ack)) => Err(AckError::AlreadyAcknowledged {
                id,
                by: ack.map_or("", |a| &a.by).to_owned(),
            }),
            Some((AlertState::Pending, _)) => Err(AckError::Pending(id)),
            Some(_) => Err(AckError::AlreadyResolved(id)),
        }
    }
}

impl AlertService {
    /// Brings this follower's alerts in line with the primary's current ones (its open alerts
    /// and those resolved within their flap window), as published at `at_ms`: what differs
    /// is adopted, and an alert open here that the primary no longer holds is resolved. Used
    /// when a follower (re)connects, or follows a new primary.
    pub fn adopt_current(&self, current: &[Alert], at_ms: i64) -> usize {
        let changes = {
            let state = self.lock();
            let held: Vec<&Alert> = state.engine.current().collect();
            let same = |h: &Alert, a: &Alert| {
                h.id == a.id && h.rule_id == a.rule_id && h.subject == a.subject
            };
            // Resolutions first: an alert the primary no longer holds, unless this node heard
            // of it after the table was made (a change overtook the table).
            let mut changes: Vec<AlertChange> = held
                .iter()
                .filter(|h| h.state.is_open() && h.updated_ms <= at_ms)
                .filter(|h| !current.iter().any(|a| same(h, a)))
                .map(|h| {
                    let mut a = (*h).clone();
                    a.state = AlertState::Resolved;
                    a.resolved_ms = Some(at_ms);
                    a.updated_ms = at_ms;
                    synthesized(a, EventKind::Resolved, at_ms)
                })
                .collect();
            // Then what differs, unless what this node holds is newer.
            let newer_here = |a: &Alert| {
                held.iter()
                    .any(|h| same(h, a) && (*h == a || h.updated_ms > a.updated_ms))
            };
            changes.extend(
                current
                    .iter()
                    .filter(|a| !newer_here(a))
                    .map(|a| synthesized(a.clone(), event_of(a.state), a.updated_ms)),
            );
            changes
        };
        if changes.is_empty() {
            return 0;
        }
        self.adopt(&changes)
    }
}

fn event_of(state: AlertState) -> EventKind {
    match state {
        AlertState::Pending => EventKind::Pending,
        AlertState::Firing => EventKind::Firing,
        AlertState::Acknowledged => EventKind::Acknowledged,
        AlertState::Resolved => EventKind::Resolved,
        AlertState::Dropped => EventKind::Dropped,
    }
}

fn synthesized(alert: Alert, kind: EventKind, at_ms: i64) -> AlertChange {
    let ack = alert
        .acknowledged
        .clone()
        .filter(|_| kind == EventKind::Acknowledged);
    AlertChange {
        event: super::AlertEvent {
            kind,
            at_ms,
            value: Some(alert.value),
            by: ack.as_ref().map(|a| a.by.clone()),
            comment: ack.map(|a| a.comment),
        },
        alert,
    }
}

impl AlertService {
    /// The current alerts (open, and resolved within their flap window), by id: what a
    /// primary publishes for its followers to catch up from.
    pub fn current_alerts(&self) -> Vec<Alert> {
        let mut all: Vec<Alert> = self.lock().engine.current().cloned().collect();
        all.sort_by_key(|a| a.id);
        all
    }
}
