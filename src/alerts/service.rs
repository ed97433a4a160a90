//! The alert service: the pure engine and the repository behind one mutex, plus a broadcast
//! of every recorded change. This is what the rest of the application holds (as an `Arc`).

use std::sync::{Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::{
    AckError, Alert, AlertChange, AlertDetail, AlertFilter, AlertRepo, AlertState, Engine,
    Observation, RepoError, RuleSet, SeverityCounts, Subject,
};

/// Changes buffered per subscriber. A receiver that falls further behind gets
/// `RecvError::Lagged(n)` once (the `n` oldest changes are gone for it) and then continues with
/// the newest; it should re-read `list(open)` to resynchronise. Senders never wait.
pub const CHANGES_CAPACITY: usize = 1024;

pub struct AlertService {
    /// The engine and the repository change together under one std `Mutex`: it serialises
    /// racing observations (so one condition opens exactly one alert) and keeps the stored
    /// history in the engine's order. It is never held across an await; the SQLite work under
    /// it is a few small statements, and only on transitions.
    inner: Mutex<Inner>,
    /// Every change after it is stored; see [`CHANGES_CAPACITY`].
    changes: broadcast::Sender<AlertChange>,
}

struct Inner {
    engine: Engine,
    repo: AlertRepo,
}

impl AlertService {
    /// Resumes from the repository: open alerts, and recently resolved ones for flap
    /// detection. Open alerts of rules no longer configured are resolved now.
    pub fn open(
        rules: RuleSet,
        mut repo: AlertRepo,
        now_ms: i64,
    ) -> Result<AlertService, RepoError> {
        let loaded = repo.load_current(now_ms - rules.max_flap_window_ms())?;
        let (engine, changes) = Engine::new(rules, loaded, repo.next_id()?, now_ms);
        repo.apply(&changes)?;
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        Ok(AlertService {
            inner: Mutex::new(Inner { engine, repo }),
            changes,
        })
    }

    /// Feeds one value (a reading or an indicator); returns the transitions, already stored
    /// and broadcast. On a storage error the engine has still moved on; the alert row catches
    /// up at its next transition, the events of this one are missing from its history.
    pub fn observe(&self, obs: &Observation, now_ms: i64) -> Result<Vec<AlertChange>, RepoError> {
        self.observe_all(std::slice::from_ref(obs), now_ms)
    }

    /// Like [`observe`](Self::observe) for a batch, stored in one transaction.
    pub fn observe_all(
        &self,
        obs: &[Observation],
        now_ms: i64,
    ) -> Result<Vec<AlertChange>, RepoError> {
        let mut inner = self.lock();
        let changes: Vec<_> = obs
            .iter()
            .flat_map(|o| inner.engine.observe(o, now_ms))
            .collect();
        self.record(&mut inner, changes)
    }

    /// Advances time (call every few seconds): pending alerts fire after `for_s`, staleness
    /// is checked. `last_seen` says when a subject last produced data, if the caller knows.
    pub fn tick(
        &self,
        now_ms: i64,
        last_seen: &dyn Fn(&Subject) -> Option<i64>,
    ) -> Result<Vec<AlertChange>, RepoError> {
        let mut inner = self.lock();
        let changes = inner.engine.tick(now_ms, last_seen);
        self.record(&mut inner, changes)
    }

    /// Acknowledges a firing alert; records who, when and the comment.
    pub fn acknowledge(
        &self,
        id: i64,
        by: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Alert, AckError> {
        let mut inner = self.lock();
        let change = match inner.engine.acknowledge(id, by, comment, now_ms) {
            Ok(c) => c,
            // The engine forgets resolved alerts after their flap window; the store does not.
            Err(AckError::NotFound(_)) => {
                let stored = inner.repo.get(id).map_err(storage)?;
                return Err(match stored {
                    Some(d) if d.alert.state == AlertState::Resolved => {
                        AckError::AlreadyResolved(id)
                    }
                    _ => AckError::NotFound(id),
                });
            }
            Err(e) => return Err(e),
        };
        let alert = change.alert.clone();
        self.record(&mut inner, vec![change]).map_err(storage)?;
        Ok(alert)
    }

    /// Replaces the rules (an admin's reload). Open alerts of rules no longer configured are
    /// resolved; those of kept rules carry on from their stored state. Returns the changes.
    pub fn reload_rules(&self, rules: RuleSet, now_ms: i64) -> Result<Vec<AlertChange>, RepoError> {
        let mut inner = self.lock();
        let loaded = inner
            .repo
            .load_current(now_ms - rules.max_flap_window_ms())?;
        let next_id = inner.repo.next_id()?;
        let (engine, changes) = Engine::new(rules, loaded, next_id, now_ms);
        inner.engine = engine;
        self.record(&mut inner, changes)
    }

    pub fn rule_count(&self) -> usize {
        self.lock().engine.rules().rules().len()
    }

    /// Stored alerts matching `filter`, newest change first.
    pub fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError> {
        self.lock().repo.list(filter)
    }

    /// One alert with its whole history; `None` for an unknown id.
    pub fn get(&self, id: i64) -> Result<Option<AlertDetail>, RepoError> {
        self.lock().repo.get(id)
    }

    /// Firing and acknowledged alerts per severity (for the city KPI header).
    pub fn counts_by_severity(&self) -> SeverityCounts {
        self.lock().engine.counts_by_severity()
    }

    /// Open alerts (pending, firing, acknowledged) from memory, most severe first.
    pub fn open_alerts(&self) -> Vec<Alert> {
        let mut open: Vec<Alert> = self.lock().engine.open_alerts().cloned().collect();
        open.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
        open
    }

    /// A receiver of every change from now on; see [`CHANGES_CAPACITY`] for lagging.
    pub fn subscribe(&self) -> broadcast::Receiver<AlertChange> {
        self.changes.subscribe()
    }

    fn record(
        &self,
        inner: &mut Inner,
        changes: Vec<AlertChange>,
    ) -> Result<Vec<AlertChange>, RepoError> {
        inner.repo.apply(&changes)?;
        for c in &changes {
            // An error only means nobody subscribes right now.
            let _ = self.changes.send(c.clone());
        }
        Ok(changes)
    }

    /// A poisoned lock is taken anyway: engine transitions are applied to one alert at a time
    /// and a panic between them leaves each alert consistent.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        crate::shell::lock::lock(&self.inner)
    }
}

fn storage(e: RepoError) -> AckError {
    AckError::Storage(e.to_string())
}
