//! `Mailbox`: one connection's bounded queue of outgoing frames. The hub pushes into it, the
//! connection task drains it. It never grows past its capacity: when it is full, the stream
//! whose update does not fit is marked *lagged*, its queued frames are dropped, and its later
//! updates are skipped until the connection resynchronises it with a fresh snapshot (which
//! the client sees as a `lagged` message followed by a `resync` snapshot — never a silent gap).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytestring::ByteString;
use prometheus::IntGauge;
use tokio::sync::Notify;

/// What happened to one pushed frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// The queue was full: the stream is now lagged (its queued frames dropped).
    Lagged,
    /// The stream was already lagged: the frame is not needed (a snapshot will follow).
    Skipped,
}

pub struct Mailbox {
    pub id: u64,
    capacity: usize,
    /// A std `Mutex`: held for a few pointer moves by the hub and the connection, never
    /// across an await.
    inner: Mutex<Inner>,
    /// Woken (by whoever pushed, see [`Mailbox::wake`]) after frames were queued or a stream
    /// lagged; one stored permit is enough.
    notify: Notify,
    /// `ioc_push_queue_frames`: frames waiting in every mailbox.
    queued: IntGauge,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<(Arc<str>, ByteString)>,
    lagged: Vec<Arc<str>>,
}

impl Mailbox {
    pub fn new(id: u64, capacity: usize, queued: IntGauge) -> Self {
        Mailbox {
            id,
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            queued,
        }
    }

    /// Queues a frame without waking the connection: the pusher calls [`Mailbox::wake`] once
    /// it has queued everything it has (unless every push was [`Pushed::Skipped`]).
    pub fn push(&self, stream: &Arc<str>, frame: ByteString) -> Pushed {
        let mut inner = self.lock();
        if inner.lagged.iter().any(|s| s == stream) {
            return Pushed::Skipped;
        }
        if inner.queue.len() >= self.capacity {
            let before = inner.queue.len();
            inner.queue.retain(|(s, _)| s != stream);
            self.queued.sub((before - inner.queue.len()) as i64);
            inner.lagged.push(stream.clone());
            return Pushed::Lagged;
        }
        inner.queue.push_back((stream.clone(), frame));
        self.queued.inc();
        Pushed::Queued
    }

    /// Wakes the connection to drain what was pushed.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Takes up to `max` queued frames with their stream names, oldest first.
    pub fn pop(&self, max: usize) -> Vec<(Arc<str>, ByteString)> {
        let mut inner = self.lock();
        let n = max.min(inner.queue.len());
        self.queued.sub(n as i64);
        inner.queue.drain(..n).collect()
    }

    /// Streams waiting for a resync snapshot.
    pub fn lagged(&self) -> Vec<Arc<str>> {
        self.lock().lagged.clone()
    }

    /// The stream was resynchronised: take its updates again. Called by the hub under the
    /// stream's lock, so no update falls between the snapshot and this.
    pub fn clear_lag(&self, stream: &str) {
        self.lock().lagged.retain(|s| &**s != stream);
    }

    /// Unsubscribed: drop its queued frames and its lag mark.
    pub fn forget(&self, stream: &str) {
        let mut inner = self.lock();
        let before = inner.queue.len();
        inner.queue.retain(|(s, _)| &**s != stream);
        self.queued.sub((before - inner.queue.len()) as i64);
        inner.lagged.retain(|s| &**s != stream);
    }

    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Resolves when something was queued or lagged since the last call.
    pub async fn wait(&self) {
        self.notify.notified().await;
    }

    /// A poisoned lock is taken anyway: every section is a few plain moves.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        crate::shell::lock::lock(&self.inner)
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        let n = self.lock().queue.len();
        self.queued.sub(n as i64);
    }
}
