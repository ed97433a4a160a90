//! The alert service: the pure engine behind a mutex, its database work on the recorder
//! thread (`recorder.rs`), and a broadcast of every stored change. This is what the rest of
//! the application holds (as an `Arc`).
//!
//! Who calls what: the commit stage [`submit`](AlertService::submit)s (never waits on the
//! disk); the evaluator's blocking task calls [`observe_all`](AlertService::observe_all) and
//! [`tick`](AlertService::tick), which wait until the changes are stored; HTTP handlers await
//! the `async` methods.

use std::sync::{Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::recorder::{Done, Job, Recorder, WHAT};
use super::{
    AckError, Alert, AlertChange, AlertDetail, AlertFilter, AlertRepo, AlertState, Engine,
    Observation, RuleSet, SeverityCounts, Subject,
};
use crate::shell::RepoError;

/// Changes buffered per subscriber. A receiver that falls further behind gets
/// `RecvError::Lagged(n)` once (the `n` oldest changes are gone for it) and then continues with
/// the newest; it should re-read `list(open)` to resynchronise. Senders never wait.
pub const CHANGES_CAPACITY: usize = 1024;

/// How often a rules reload starts over when alerts changed while it read the stored ones.
const RELOAD_ATTEMPTS: usize = 10;

pub struct AlertService {
    /// The engine under a std `Mutex`: it serialises racing observations (so one condition
    /// opens exactly one alert), and each step's changes are queued for the recorder before
    /// it is released, so they are stored in the engine's order. It is held for the engine's
    /// (CPU-only) work and that queueing, never for database work nor across an await.
    pub(super) state: Mutex<State>,
    /// The one thread that touches the alert tables.
    recorder: Recorder,
    /// Every change after it is stored; see [`CHANGES_CAPACITY`].
    pub(super) changes: broadcast::Sender<AlertChange>,
    /// Whether this node decides alerts, and where it forwards acknowledgements when it does
    /// not (`replica.rs`).
    pub(super) role: super::replica::Role,
}

pub(super) struct State {
    pub(super) engine: Engine,
    /// Counts the steps that changed something: a rules reload rebuilds the engine from the
    /// stored alerts only if no step came between its read and its swap.
    generation: u64,
}

impl AlertService {
    /// Resumes from the repository: open alerts, and recently resolved ones for flap
    /// detection. Open alerts of rules no longer configured are resolved now. Blocking (it
    /// reads the database): call it from a blocking thread.
    pub fn open(
        rules: RuleSet,
        mut repo: impl AlertRepo,
        now_ms: i64,
    ) -> Result<AlertService, RepoError> {
        let loaded = repo.load_current(now_ms - rules.max_flap_window_ms())?;
        let (engine, changes) = Engine::new(rules, loaded, repo.next_id()?, now_ms);
        repo.apply(&changes, false)?;
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        let recorder = Recorder::spawn(Box::new(repo), changes.clone())?;
        Ok(AlertService {
            state: Mutex::new(State {
                engine,
                generation: 0,
            }),
            recorder,
            changes,
            role: super::replica::Role::default(),
        })
    }

    /// Feeds one value (a reading or an indicator); returns the transitions once stored and
    /// broadcast. Blocking; see [`observe_all`](Self::observe_all).
    pub fn observe(&self, obs: &Observation, now_ms: i64) -> Result<Vec<AlertChange>, RepoError> {
        self.observe_all(std::slice::from_ref(obs), now_ms)
    }

    /// Like [`observe`](Self::observe) for a batch, stored in one transaction. Blocking (it
    /// waits for the recorder): call it from a blocking thread. On a storage error the engine
    /// has still moved on; the alert row catches up at its next transition.
    pub fn observe_all(
        &self,
        obs: &[Observation],
        now_ms: i64,
    ) -> Result<Vec<AlertChange>, RepoError> {
        if !self.role.deciding() {
            return Ok(Vec::new());
        }
        let (done, stored) = Done::blocking();
        let changes = self.step(|e| observe(e, obs, now_ms), done)?;
        if !changes.is_empty() {
            stored.recv().map_err(|_| stopped())??;
        }
        Ok(changes)
    }

    /// Like [`observe_all`](Self::observe_all) without waiting for the disk: for the async
    /// commit stage. The changes are stored and broadcast in order by the recorder, which
    /// logs a failure. Fails only when the recorder is gone.
    pub fn submit(&self, obs: &[Observation], now_ms: i64) -> Result<Vec<AlertChange>, RepoError> {
        if !self.role.deciding() {
            return Ok(Vec::new());
        }
        self.step(|e| observe(e, obs, now_ms), Done::Nobody)
    }

    /// Advances time (call every few seconds): pending alerts fire after `for_s`, staleness
    /// is checked. `last_seen` says when a subject last produced data, if the caller knows.
    /// Blocking, like [`observe_all`](Self::observe_all).
    pub fn tick(
        &self,
        now_ms: i64,
        last_seen: &dyn Fn(&Subject) -> Option<i64>,
    ) -> Result<Vec<AlertChange>, RepoError> {
        if !self.role.deciding() {
            return Ok(Vec::new());
        }
        let (done, stored) = Done::blocking();
        let changes = self.step(|e| e.tick(now_ms, last_seen), done)?;
        if !changes.is_empty() {
            stored.recv().map_err(|_| stopped())??;
        }
        Ok(changes)
    }

    /// Acknowledges a firing alert; records who, when and the comment.
    pub async fn acknowledge(
        &self,
        id: i64,
        by: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Alert, AckError> {
        if let Some(to) = self.role.forwarding(id)? {
            return self.forward_ack(to, id, by, comment, now_ms).await;
        }
        let (done, stored) = Done::awaited();
        let acked = {
            let mut state = self.lock();
            state.engine.acknowledge(id, by, comment, now_ms).map(|c| {
                let alert = c.alert.clone();
                (alert, self.queue(&mut state, vec![c], done))
            })
        };
        match acked {
            Ok((alert, queued)) => {
                queued.map_err(storage)?;
                stored
                    .await
                    .map_err(|_| storage(stopped()))?
                    .map_err(storage)?;
                Ok(alert)
            }
            // The engine forgets resolved alerts after their flap window; the store does not.
            Err(AckError::NotFound(_)) => Err(match self.get(id).await.map_err(storage)? {
                Some(d) if d.alert.state == AlertState::Resolved => AckError::AlreadyResolved(id),
                _ => AckError::NotFound(id),
            }),
            Err(e) => Err(e),
        }
    }

    /// Replaces the rules (an admin's reload). Open alerts of rules no longer configured are
    /// resolved; those of kept rules carry on from their stored state. Returns the changes
    /// once stored.
    pub async fn reload_rules(
        &self,
        rules: RuleSet,
        now_ms: i64,
    ) -> Result<Vec<AlertChange>, RepoError> {
        let resolved_since_ms = now_ms - rules.max_flap_window_ms();
        for _ in 0..RELOAD_ATTEMPTS {
            let (done, loaded) = Done::awaited();
            let seen = {
                let state = self.lock();
                // Queued under the lock: it reads every change stored up to `seen`.
                self.recorder.send(Job::Load {
                    resolved_since_ms,
                    done,
                })?;
                state.generation
            };
            let (loaded, next_id) = loaded.await.map_err(|_| stopped())??;
            let (done, stored) = Done::awaited();
            let changes = {
                let mut state = self.lock();
                if state.generation != seen {
                    continue; // an alert changed meanwhile: what was read is stale
                }
                let (engine, changes) = Engine::new(rules.clone(), loaded, next_id, now_ms);
                state.engine = engine;
                self.queue(&mut state, changes.clone(), done)?;
                changes
            };
            if !changes.is_empty() {
                stored.await.map_err(|_| stopped())??;
            }
            return Ok(changes);
        }
        Err(RepoError::storage(
            WHAT,
            "alerts kept changing while the rules were reloaded; try the reload again",
        ))
    }

    pub fn rule_count(&self) -> usize {
        self.lock().engine.rules().rules().len()
    }

    /// The ids of the running rules marked `public`: whose alerts are the public warnings of
    /// `GET /api/v1/cap`. A reload may change them.
    pub fn public_rule_ids(&self) -> Vec<String> {
        self.lock().engine.rules().public_ids()
    }

    /// Stored alerts matching `filter`, newest (highest id) first.
    pub async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError> {
        let (done, listed) = Done::awaited();
        let filter = filter.clone();
        self.recorder.send(Job::List { filter, done })?;
        listed.await.map_err(|_| stopped())?
    }

    /// One alert with its whole history; `None` for an unknown id.
    pub async fn get(&self, id: i64) -> Result<Option<AlertDetail>, RepoError> {
        let (done, got) = Done::awaited();
        self.recorder.send(Job::Get { id, done })?;
        got.await.map_err(|_| stopped())?
    }

    /// Returns once every change made before the call is stored (at shutdown).
    pub async fn flush(&self) {
        let (done, flushed) = Done::awaited();
        if self.recorder.send(Job::Flush { done }).is_ok() {
            let _ = flushed.await;
        }
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

    /// Runs one engine step under the lock and queues its changes before releasing it.
    fn step(
        &self,
        step: impl FnOnce(&mut Engine) -> Vec<AlertChange>,
        done: Done<Result<(), RepoError>>,
    ) -> Result<Vec<AlertChange>, RepoError> {
        let mut state = self.lock();
        let changes = step(&mut state.engine);
        self.queue(&mut state, changes.clone(), done)?;
        Ok(changes)
    }

    /// Hands `changes` to the recorder (the caller holds the lock: that fixes their order).
    pub(super) fn queue(
        &self,
        state: &mut State,
        changes: Vec<AlertChange>,
        done: Done<Result<(), RepoError>>,
    ) -> Result<(), RepoError> {
        if changes.is_empty() {
            return Ok(());
        }
        state.generation += 1;
        // A follower adopts the decider's changes; the decider alone notifies of them.
        let notify = self.role.deciding();
        self.recorder.send(Job::Apply {
            changes,
            notify,
            done,
        })
    }

    /// A poisoned lock is taken anyway: engine transitions are applied to one alert at a time
    /// and a panic between them leaves each alert consistent.
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        crate::shell::lock::lock(&self.state)
    }
}

fn observe(engine: &mut Engine, obs: &[Observation], now_ms: i64) -> Vec<AlertChange> {
    obs.iter().flat_map(|o| engine.observe(o, now_ms)).collect()
}

fn stopped() -> RepoError {
    RepoError::Stopped { what: WHAT }
}

fn storage(e: RepoError) -> AckError {
    AckError::Storage(e.to_string())
}
