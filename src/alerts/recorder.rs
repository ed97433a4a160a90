//! The recorder: the one thread that does the alert service's database work. The service
//! hands it each step's changes while it still holds the engine's lock, so they are stored in
//! the engine's order; the engine's lock is then released before any disk work, and the async
//! executor never waits on SQLite (an async caller awaits a reply, a blocking one waits on a
//! channel). Reads queue behind the writes before them, so a caller reads what it wrote.

use std::sync::mpsc as std_mpsc;

use tokio::sync::{broadcast, oneshot};

use super::{Alert, AlertChange, AlertDetail, AlertFilter, AlertRepo};
use crate::shell::RepoError;

/// Names the alert tables in errors.
pub(super) const WHAT: &str = "alert store";

/// Where a job's result goes.
pub(super) enum Done<T> {
    /// Nobody waits: a failure is logged (the commit stage's observations).
    Nobody,
    /// A thread waits on a plain channel (never an async task: it would block the executor).
    Blocking(std_mpsc::SyncSender<T>),
    /// An async task awaits it.
    Async(oneshot::Sender<T>),
}

impl<T> Done<T> {
    /// A blocking reply and the receiver to wait on.
    pub fn blocking() -> (Done<T>, std_mpsc::Receiver<T>) {
        let (tx, rx) = std_mpsc::sync_channel(1);
        (Done::Blocking(tx), rx)
    }

    /// An async reply and the receiver to await.
    pub fn awaited() -> (Done<T>, oneshot::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (Done::Async(tx), rx)
    }

    /// Sends `value` to whoever waits; gives it back when nobody does.
    fn send(self, value: T) -> Option<T> {
        match self {
            Done::Nobody => Some(value),
            // A caller that stopped waiting has nothing left to learn.
            Done::Blocking(tx) => tx.send(value).err().map(|e| e.0),
            Done::Async(tx) => tx.send(value).err(),
        }
    }
}

pub(super) enum Job {
    /// Store these changes (one transaction), then broadcast them.
    Apply {
        changes: Vec<AlertChange>,
        /// True for this node's own decisions: those are also enqueued for notification.
        notify: bool,
        done: Done<Result<(), RepoError>>,
    },
    /// What an engine resumes from, and the next free id (see `AlertRepo::load_current`).
    Load {
        resolved_since_ms: i64,
        done: Done<Result<(Vec<Alert>, i64), RepoError>>,
    },
    List {
        filter: AlertFilter,
        done: Done<Result<Vec<Alert>, RepoError>>,
    },
    Get {
        id: i64,
        done: Done<Result<Option<AlertDetail>, RepoError>>,
    },
    /// Answered once every job before it is done.
    Flush { done: Done<()> },
}

/// The handle the service holds; the thread ends when it is dropped, after the jobs queued.
pub(super) struct Recorder {
    /// Unbounded: the commit stage must never wait on the disk, and what it queues is one job
    /// per group of committed readings that changed an alert's state (transitions, not
    /// readings), so the queue only grows while SQLite itself is stalled.
    jobs: std_mpsc::Sender<Job>,
}

impl Recorder {
    /// Starts the thread; it owns `repo` and broadcasts every stored change on `changes`.
    pub fn spawn(
        repo: Box<dyn AlertRepo>,
        changes: broadcast::Sender<AlertChange>,
    ) -> Result<Recorder, RepoError> {
        let (jobs, queue) = std_mpsc::channel();
        std::thread::Builder::new()
            .name("alert-store".into())
            .spawn(move || run(repo, queue, changes))
            .map_err(|e| RepoError::storage(WHAT, e))?;
        Ok(Recorder { jobs })
    }

    /// Queues `job`; fails only when the thread is gone (it panicked).
    pub fn send(&self, job: Job) -> Result<(), RepoError> {
        self.jobs
            .send(job)
            .map_err(|_| RepoError::Stopped { what: WHAT })
    }
}

fn run(
    mut repo: Box<dyn AlertRepo>,
    queue: std_mpsc::Receiver<Job>,
    changes: broadcast::Sender<AlertChange>,
) {
    while let Ok(job) = queue.recv() {
        match job {
            Job::Apply {
                changes: batch,
                notify,
                done,
            } => {
                let stored = repo.apply(&batch, notify);
                if stored.is_ok() {
                    for c in batch {
                        // An error only means nobody subscribes right now.
                        let _ = changes.send(c);
                    }
                }
                // On a storage error the engine has still moved on; the alert row catches up
                // at its next transition, the events of this one are missing from its history.
                if let Some(Err(e)) = done.send(stored) {
                    tracing::error!(error = %e, "alert changes could not be stored");
                }
            }
            Job::Load {
                resolved_since_ms,
                done,
            } => {
                let loaded = repo
                    .load_current(resolved_since_ms)
                    .and_then(|alerts| Ok((alerts, repo.next_id()?)));
                done.send(loaded);
            }
            Job::List { filter, done } => {
                done.send(repo.list(&filter));
            }
            Job::Get { id, done } => {
                done.send(repo.get(id));
            }
            Job::Flush { done } => {
                done.send(());
            }
        }
    }
}
