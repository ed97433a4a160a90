//! Incidents in a cluster. Of the replicas of a territory, the node that decides alerts also
//! decides incidents: it makes every change, and its followers adopt them (same ids, rows and
//! timelines; `adopt`). An action made on a follower (open, assign, comment, status, tick) is
//! forwarded to it, and answered once its reply comes back, the change adopted first. A
//! follower catches up from the decider's table of current incidents (`adopt_current`).
//! Alone, a node always decides.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::lifecycle::{Action, NewIncident};
use super::{Change, Incident, IncidentError, IncidentService, Link};

/// How long a forwarded action waits for the deciding node's reply.
const CONFIRM: Duration = Duration::from_secs(3);

/// Incidents a current table holds at most: the open ones and those changed in the last day.
pub const CURRENT_MAX: u32 = 2_000;
const DAY_MS: i64 = 86_400_000;

/// What a follower asks the deciding node to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forward {
    Open { new: NewIncident, link: Link },
    Act { id: i64, action: Action },
}

/// An action forwarded to the deciding node, with who asked and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarded {
    /// Unique per request: the reply names it.
    pub request: String,
    pub by: String,
    pub at_ms: i64,
    pub forward: Forward,
}

/// The deciding node's answer to a forwarded action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub request: String,
    /// The incident as the action left it, and whether it was opened now.
    #[serde(default)]
    pub incident: Option<Incident>,
    #[serde(default)]
    pub created: bool,
    /// When refused: the API's code (`incident_not_found`, `incident_conflict`,
    /// `invalid_body`) and the reason.
    #[serde(default)]
    pub refused: Option<(String, String)>,
}

type Waiting = HashMap<String, std::sync::mpsc::Sender<Reply>>;

/// Whether this node decides, where a follower forwards, and who waits for a reply.
#[derive(Debug, Default)]
pub(super) struct Role {
    following: AtomicBool,
    forward: Mutex<Option<mpsc::UnboundedSender<Forwarded>>>,
    waiting: Mutex<Waiting>,
    next: AtomicU64,
}

impl IncidentService {
    /// Makes this node decide incidents or follow the node that does, whose actions go to
    /// `forward`.
    pub fn set_role(&self, deciding: bool, forward: Option<mpsc::UnboundedSender<Forwarded>>) {
        *crate::shell::lock::lock(&self.role.forward) = forward;
        let was = !self.role.following.swap(!deciding, Ordering::AcqRel);
        if was != deciding {
            tracing::info!(deciding, "incident role changed");
        }
    }

    pub fn is_deciding(&self) -> bool {
        !self.role.following.load(Ordering::Acquire)
    }

    /// On a follower: sends `forward` to the deciding node and waits (blocking, at most 3 s)
    /// for its reply. `None` on the deciding node.
    pub(super) fn forwarded(
        &self,
        forward: Forward,
        by: &str,
        now_ms: i64,
    ) -> Option<Result<(Incident, bool), IncidentError>> {
        if self.is_deciding() {
            return None;
        }
        let unconfirmed = |why: &str| {
            Some(Err(IncidentError::Unconfirmed(format!(
                "{why}; try again in a few seconds"
            ))))
        };
        let Some(to) = crate::shell::lock::lock(&self.role.forward).clone() else {
            return unconfirmed(
                "this node is joining its cluster and does not decide incidents yet",
            );
        };
        let n = self.role.next.fetch_add(1, Ordering::Relaxed);
        let request = format!("{now_ms}-{n}-{}", std::process::id());
        let (tx, rx) = std::sync::mpsc::channel();
        crate::shell::lock::lock(&self.role.waiting).insert(request.clone(), tx);
        let sent = to.send(Forwarded {
            request: request.clone(),
            by: by.to_owned(),
            at_ms: now_ms,
            forward,
        });
        let reply = sent.ok().and_then(|()| rx.recv_timeout(CONFIRM).ok());
        crate::shell::lock::lock(&self.role.waiting).remove(&request);
        match reply {
            None => unconfirmed("the node that decides incidents did not answer"),
            Some(Reply {
                refused: Some((code, message)),
                ..
            }) => Some(Err(IncidentError::Refused { code, message })),
            Some(Reply {
                incident: Some(inc),
                created,
                ..
            }) => Some(Ok((inc, created))),
            Some(_) => unconfirmed("the node that decides incidents answered nothing"),
        }
    }

    /// On the deciding node: makes a follower's action; the reply to publish.
    pub fn apply_forwarded(&self, f: Forwarded) -> Reply {
        let request = Some(f.request.clone());
        let done = match f.forward {
            Forward::Open { new, link } => self.open_tagged(new, &f.by, link, f.at_ms, request),
            Forward::Act { id, action } => self
                .act_tagged(id, action, &f.by, &|_| true, f.at_ms, request)
                .map(|i| (i, false)),
        };
        match done {
            Ok((incident, created)) => Reply {
                request: f.request,
                incident: Some(incident),
                created,
                refused: None,
            },
            Err(e) => Reply {
                request: f.request,
                incident: None,
                created: false,
                refused: Some((e.code().to_owned(), e.to_string())),
            },
        }
    }

    /// On a follower: the deciding node's answer reaches the request waiting for it.
    pub fn replied(&self, reply: Reply) {
        if let Some(to) = crate::shell::lock::lock(&self.role.waiting).remove(&reply.request) {
            let _ = to.send(reply);
        }
    }

    /// On a follower: takes the deciding node's changes as this node's own (stored without
    /// notifications, and pushed). Blocking.
    pub fn adopt(&self, changes: &[Change]) {
        for c in changes {
            let stored = self.repo().adopt(&c.incident, &c.entry, &c.link);
            match stored {
                Ok(()) => self.told(&c.incident, c.entry.clone(), c.link.clone(), None),
                Err(e) => {
                    tracing::warn!(id = c.incident.id, error = %e, "an incident change not adopted")
                }
            }
        }
    }

    /// The deciding node's current incidents, with their timelines: the open ones and those
    /// changed in the last day (at most [`CURRENT_MAX`]). Blocking.
    pub fn current(&self, now_ms: i64) -> Result<Vec<Incident>, crate::shell::RepoError> {
        let repo = self.repo();
        let listed = repo.list(&super::IncidentFilter {
            limit: CURRENT_MAX,
            ..super::IncidentFilter::default()
        })?;
        let wanted: Vec<i64> = listed
            .iter()
            .filter(|i| i.status.is_open() || now_ms - i.updated_ms < DAY_MS)
            .map(|i| i.id)
            .collect();
        let mut out = Vec::with_capacity(wanted.len());
        for id in wanted {
            if let Some(i) = repo.get(id)? {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// On a follower: catches up from the deciding node's current incidents; those changed
    /// since this node last heard are replaced whole. Returns how many. Blocking.
    pub fn adopt_current(&self, table: &[Incident]) -> usize {
        let mut n = 0;
        for inc in table {
            let mine = self.repo().get(inc.id).ok().flatten();
            if mine.is_some_and(|m| {
                m.updated_ms >= inc.updated_ms && m.timeline.len() >= inc.timeline.len()
            }) {
                continue;
            }
            match self.repo().replace(inc) {
                Ok(()) => n += 1,
                Err(e) => tracing::warn!(id = inc.id, error = %e, "an incident not caught up"),
            }
        }
        n
    }
}
