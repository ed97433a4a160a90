//! The pure alert engine: observations and ticks in, alert transitions out. No I/O; the clock
//! is an argument, so tests move it by hand.
//!
//! Per (rule, subject) there is at most one *current* alert: an open one (pending, firing,
//! acknowledged), or the last resolved one while its flap window lasts. Decisions:
//! - A new alert whose condition clears while still pending is dropped: it never fired, so it
//!   is reported once (state `dropped`) and not stored.
//! - A resolved alert whose condition returns within the rule's flap window is reopened (same
//!   id, event `reopened`); when it fires again it is marked `flapping` and its `flap_count`
//!   grows. If the reopened alert clears while pending, it goes back to resolved.

use super::eval::Eval;
use super::rule::{Condition, Rule, RuleSet};
use super::{
    Ack, Alert, AlertChange, AlertEvent, AlertState, EventKind, Observation, SeverityCounts,
    Subject,
};
use crate::model::FastMap;

/// Why an acknowledgement was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AckError {
    #[error("no alert {0}")]
    NotFound(i64),
    #[error("alert {0} is resolved; there is nothing to acknowledge")]
    AlreadyResolved(i64),
    #[error("alert {id} was already acknowledged by {by:?}")]
    AlreadyAcknowledged { id: i64, by: String },
    #[error("alert {0} is pending: it has not fired yet")]
    Pending(i64),
    #[error("the alert store failed: {0}")]
    Storage(String),
    /// A node that does not decide alerts forwarded the acknowledgement, and the node that
    /// decides did not confirm it in time.
    #[error("{0}")]
    Unconfirmed(String),
}

type Key = (usize, Subject);

/// The alert state machine for every rule and subject.
#[derive(Debug)]
pub struct Engine {
    rules: RuleSet,
    evals: FastMap<Key, Eval>,
    /// The current alert per key: open ones, and resolved ones until their flap window ends.
    alerts: FastMap<Key, Alert>,
    next_id: i64,
}

impl Engine {
    /// An engine resuming `loaded` (open alerts and recently resolved ones, as saved). Ids
    /// are allocated from `next_id` on. Open alerts of rules no longer configured are resolved
    /// at once; those changes are returned.
    pub fn new(
        rules: RuleSet,
        loaded: Vec<Alert>,
        next_id: i64,
        now_ms: i64,
    ) -> (Engine, Vec<AlertChange>) {
        let mut engine = Engine {
            rules,
            evals: FastMap::default(),
            alerts: FastMap::default(),
            next_id,
        };
        let mut out = Vec::new();
        for mut alert in loaded {
            engine.next_id = engine.next_id.max(alert.id + 1);
            let Some(idx) = engine.rules.index_of(&alert.rule_id) else {
                if alert.state.is_open() {
                    out.push(transition(&mut alert, EventKind::Resolved, now_ms));
                }
                continue;
            };
            let key = (idx, alert.subject.clone());
            if alert.state.is_open() {
                engine.evals.insert(key.clone(), Eval::resumed(&alert));
            }
            match engine.alerts.get(&key) {
                Some(kept) if kept.state.is_open() || kept.id > alert.id => {}
                _ => {
                    engine.alerts.insert(key, alert);
                }
            }
        }
        (engine, out)
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Feeds one value to every rule whose signal and scope match; returns the transitions.
    /// Non-finite values are ignored.
    pub fn observe(&mut self, obs: &Observation, now_ms: i64) -> Vec<AlertChange> {
        let mut out = Vec::new();
        if !obs.value.is_finite() {
            return out;
        }
        let matching: Vec<usize> = self.rules.matching(obs).collect();
        for idx in matching {
            let key = (idx, obs.subject.clone());
            let cond = &self.rules.rules()[idx].condition;
            self.evals
                .entry(key.clone())
                .or_insert_with(|| Eval::new(obs))
                .observe(cond, obs.value, obs.ts_ms, now_ms);
            self.step(&key, now_ms, &mut out);
        }
        out
    }

    /// Advances time: pending alerts whose `for_s` has passed fire, staleness is checked
    /// against `last_seen` (when a subject last produced data, if the caller knows), and
    /// resolved alerts past their flap window are forgotten.
    pub fn tick(
        &mut self,
        now_ms: i64,
        last_seen: &dyn Fn(&Subject) -> Option<i64>,
    ) -> Vec<AlertChange> {
        let mut out = Vec::new();
        let keys: Vec<Key> = self.evals.keys().cloned().collect();
        for key in keys {
            let cond = &self.rules.rules()[key.0].condition;
            if matches!(cond, Condition::Staleness { .. }) {
                if let Some(eval) = self.evals.get_mut(&key) {
                    eval.tick(cond, now_ms, last_seen(&key.1));
                }
            }
            self.step(&key, now_ms, &mut out);
        }
        let rules = &self.rules;
        self.alerts.retain(|(idx, _), a| {
            a.state.is_open()
                || a.resolved_ms
                    .is_some_and(|r| now_ms - r <= rules.rules()[*idx].flap_window_ms)
        });
        out
    }

    /// Acknowledges a firing alert that the engine holds.
    pub fn acknowledge(
        &mut self,
        id: i64,
        by: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<AlertChange, AckError> {
        let alert = self
            .alerts
            .values_mut()
            .find(|a| a.id == id)
            .ok_or(AckError::NotFound(id))?;
        match alert.state {
            AlertState::Firing => {}
            AlertState::Acknowledged => {
                return Err(AckError::AlreadyAcknowledged {
                    id,
                    by: alert.acknowledged.as_ref().map_or("", |a| &a.by).to_owned(),
                })
            }
            AlertState::Pending => return Err(AckError::Pending(id)),
            AlertState::Resolved | AlertState::Dropped => {
                return Err(AckError::AlreadyResolved(id))
            }
        }
        alert.state = AlertState::Acknowledged;
        alert.acknowledged = Some(Ack {
            by: by.to_owned(),
            at_ms: now_ms,
            comment: comment.to_owned(),
        });
        alert.updated_ms = now_ms;
        Ok(AlertChange {
            alert: alert.clone(),
            event: AlertEvent {
                kind: EventKind::Acknowledged,
                at_ms: now_ms,
                value: None,
                by: Some(by.to_owned()),
                comment: Some(comment.to_owned()),
            },
        })
    }

    /// Takes a transition another node decided (the primary of this node's territory) as
    /// its own: the alert becomes the current one of its rule and subject, its condition is
    /// resumed from it (so this engine carries on if it takes over), and new ids continue
    /// after it. `false` for a rule this node does not have.
    pub fn adopt(&mut self, c: &AlertChange) -> bool {
        let Some(idx) = self.rules.index_of(&c.alert.rule_id) else {
            return false;
        };
        let key = (idx, c.alert.subject.clone());
        if self
            .alerts
            .get(&key)
            .is_some_and(|held| held.id > c.alert.id)
        {
            return false; // an older alert of the same rule and subject: already replaced
        }
        self.next_id = self.next_id.max(c.alert.id.saturating_add(1));
        if c.alert.state.is_open() {
            self.evals.insert(key.clone(), Eval::resumed(&c.alert));
        } else {
            self.evals.remove(&key);
        }
        if c.alert.state == AlertState::Dropped {
            self.alerts.remove(&key);
        } else {
            self.alerts.insert(key, c.alert.clone());
        }
        true
    }

    /// The current alerts: open ones, and resolved ones within their flap window.
    pub fn current(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values()
    }

    /// Open alerts (pending, firing, acknowledged), in no particular order.
    pub fn open_alerts(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values().filter(|a| a.state.is_open())
    }

    /// Firing and acknowledged alerts per severity.
    pub fn counts_by_severity(&self) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        self.alerts
            .values()
            .filter(|a| matches!(a.state, AlertState::Firing | AlertState::Acknowledged))
            .for_each(|a| c.add(a.severity));
        c
    }

    /// Brings the current alert of `key` in line with its condition.
    fn step(&mut self, key: &Key, now_ms: i64, out: &mut Vec<AlertChange>) {
        let Some(eval) = self.evals.get(key) else {
            return;
        };
        let rule = &self.rules.rules()[key.0];
        let (since, value) = (eval.holds_since(), eval.value);
        let current = self.alerts.get_mut(key);
        match (since, current) {
            (Some(since), Some(a)) if a.state == AlertState::Resolved => {
                if a.resolved_ms
                    .is_some_and(|r| since - r <= rule.flap_window_ms)
                {
                    a.value = value;
                    a.acknowledged = None;
                    out.push(transition(a, EventKind::Reopened, since));
                    fire_if_due(a, rule, since, now_ms, out);
                } else {
                    let alert = open(&mut self.next_id, key, rule, eval, since, now_ms, out);
                    self.alerts.insert(key.clone(), alert);
                }
            }
            (Some(since), None) => {
                let alert = open(&mut self.next_id, key, rule, eval, since, now_ms, out);
                self.alerts.insert(key.clone(), alert);
            }
            (Some(since), Some(a)) if a.state == AlertState::Pending => {
                a.value = value;
                fire_if_due(a, rule, since, now_ms, out);
            }
            (None, Some(a)) if a.state == AlertState::Pending => {
                a.value = value;
                out.push(transition(a, EventKind::Dropped, now_ms));
                if a.state == AlertState::Dropped {
                    self.alerts.remove(key);
                }
            }
            (None, Some(a)) if a.state.is_open() => {
                a.value = value;
                out.push(transition(a, EventKind::Resolved, now_ms));
            }
            _ => {}
        }
    }
}

/// A new pending alert for `key` (firing at once when `for_s` has already passed).
fn open(
    next_id: &mut i64,
    key: &Key,
    rule: &Rule,
    eval: &Eval,
    since: i64,
    now_ms: i64,
    out: &mut Vec<AlertChange>,
) -> Alert {
    let id = *next_id;
    *next_id += 1;
    let mut alert = Alert {
        id,
        rule_id: rule.id.clone(),
        subject: key.1.clone(),
        domain: eval.domain.to_string(),
        district: eval.district.as_deref().map(str::to_owned),
        signal: rule.signal.clone(),
        severity: rule.severity,
        title: rule.description.clone(),
        state: AlertState::Pending,
        value: eval.value,
        opened_ms: since,
        fired_ms: None,
        acknowledged: None,
        resolved_ms: None,
        flapping: false,
        flap_count: 0,
        updated_ms: since,
    };
    out.push(AlertChange {
        alert: alert.clone(),
        event: AlertEvent::new(EventKind::Pending, since, eval.value),
    });
    fire_if_due(&mut alert, rule, since, now_ms, out);
    alert
}

/// Fires a pending alert once its condition has held for the rule's `for_s`.
fn fire_if_due(a: &mut Alert, rule: &Rule, since: i64, now_ms: i64, out: &mut Vec<AlertChange>) {
    if a.state == AlertState::Pending && now_ms - since >= rule.for_ms {
        out.push(transition(a, EventKind::Firing, now_ms));
    }
}

/// Applies one event to an alert and returns the change to record.
fn transition(a: &mut Alert, kind: EventKind, at_ms: i64) -> AlertChange {
    match kind {
        EventKind::Pending | EventKind::Reopened => a.state = AlertState::Pending,
        EventKind::Firing => {
            if a.resolved_ms.take().is_some() {
                a.flapping = true;
                a.flap_count += 1;
            }
            a.state = AlertState::Firing;
            a.fired_ms = Some(at_ms);
        }
        EventKind::Resolved => {
            a.state = AlertState::Resolved;
            a.resolved_ms = Some(at_ms);
        }
        EventKind::Dropped => {
            a.state = if a.resolved_ms.is_some() {
                AlertState::Resolved
            } else {
                AlertState::Dropped
            };
        }
        EventKind::Acknowledged => a.state = AlertState::Acknowledged,
    }
    a.updated_ms = at_ms;
    AlertChange {
        alert: a.clone(),
        event: AlertEvent::new(kind, at_ms, a.value),
    }
}
