//! `Hub`: every stream's current state, sequence number, resume ring and subscribers.
//! Producers publish into it; connections subscribe their [`Mailbox`] to it. An update is
//! serialised once, under its stream's lock, and the same bytes go to every subscriber.
//!
//! Publishes made together go through a [`Batch`]: every subscriber's frames are queued first
//! and each touched mailbox is woken once, when the batch ends. Waking a connection hands it to
//! another thread (its actix worker); waking it per frame made the connections drain — and take
//! their mailbox locks — while the fan-out was still pushing, and cost one cross-thread wake
//! per frame instead of one per connection and tick.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use bytestring::ByteString;

use super::frame::{self, DataKind, Resync};
use super::mailbox::{Mailbox, Pushed};
use super::stream::StreamName;
use crate::shell::lock::{lock, read, write};
use crate::telemetry::PushMetrics;

/// When [`Batch::offer`] publishes a full-state stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// At once when `as_of` moved (new source data); when only the content changed (windows
    /// slide, sensors go late), at most every `refresh_ms`.
    AsOf { refresh_ms: i64 },
    /// Whenever the content changed (sensor status: its `as_of` moves with every reading).
    Content,
}

/// How a subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Snapshot,
    /// The client saw every update up to this `seq`, in this server's epoch.
    ResumeFrom(u64),
    /// `resume_from` from another epoch: a snapshot marked `epoch_changed`.
    OtherEpoch,
}

/// A stream's whole state, as JSON: text, or rendered on demand (a delta stream's state is
/// needed only for a snapshot — on subscribe, a resume gap or a resync — so a stream of 100k
/// sensors is not serialised every tick).
#[derive(Clone)]
pub enum State {
    Text(Arc<str>),
    Lazy(Arc<dyn Fn() -> String + Send + Sync>),
}

impl From<String> for State {
    fn from(s: String) -> State {
        State::Text(s.into())
    }
}

/// One stream. `data` is its whole current state (the snapshot's `data`).
struct Slot {
    seq: u64,
    as_of: Option<i64>,
    data: State,
    /// `data` rendered, when it is lazy and was needed.
    rendered: Option<Arc<str>>,
    last_publish_ms: i64,
    /// The last `ring_capacity` update frames, for `resume_from`.
    ring: VecDeque<(u64, ByteString)>,
    subscribers: HashMap<u64, Arc<Mailbox>>,
}

impl Slot {
    fn new() -> Self {
        Slot {
            seq: 0,
            as_of: None,
            data: State::Text(Arc::from("null")),
            rendered: None,
            last_publish_ms: 0,
            ring: VecDeque::new(),
            subscribers: HashMap::new(),
        }
    }

    fn set(&mut self, data: State) {
        self.data = data;
        self.rendered = None;
    }

    /// The state as text, rendering (once) a lazy one.
    fn text(&mut self) -> Arc<str> {
        match &self.data {
            State::Text(t) => t.clone(),
            State::Lazy(render) => self.rendered.get_or_insert_with(|| render().into()).clone(),
        }
    }

    /// Whether the state equals `text` (a lazy state never does: it changes only by delta).
    fn holds(&self, text: &str) -> bool {
        matches!(&self.data, State::Text(t) if **t == *text)
    }
}

pub struct Hub {
    /// Server run id: `seq` numbers are only comparable within one epoch.
    epoch: Arc<str>,
    ring_capacity: usize,
    /// Read-locked to find a stream, write-locked only to add one; each stream has its own
    /// std `Mutex`, held for one publish or one subscribe, never across an await.
    streams: RwLock<HashMap<Arc<str>, Arc<Mutex<Slot>>>>,
    metrics: PushMetrics,
}

/// A publish to make: the new state, and (for delta streams such as alerts) the update frame's
/// own data when it differs from the state.
pub struct Publish<'a> {
    pub stream: &'a StreamName,
    pub as_of: Option<i64>,
    pub state: State,
    pub delta: Option<String>,
    pub now_ms: i64,
    /// Send as a snapshot marked with this reason rather than as an update.
    pub resync: Option<Resync>,
}

impl Hub {
    pub fn new(epoch: String, ring_capacity: usize, metrics: PushMetrics) -> Self {
        Hub {
            epoch: epoch.into(),
            ring_capacity: ring_capacity.max(1),
            streams: RwLock::new(HashMap::new()),
            metrics,
        }
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    pub fn metrics(&self) -> &PushMetrics {
        &self.metrics
    }

    fn slot(&self, name: &str) -> Arc<Mutex<Slot>> {
        if let Some(s) = read(&self.streams).get(name) {
            return s.clone();
        }
        write(&self.streams)
            .entry(Arc::from(name))
            .or_insert_with(|| Arc::new(Mutex::new(Slot::new())))
            .clone()
    }

    /// Starts a batch of publishes whose wakes are deferred to its end (see [`Batch`]).
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            hub: self,
            woken: Vec::new(),
        }
    }

    /// Sets a stream's state without an update (the alerts' open list at start).
    pub fn seed(&self, stream: &StreamName, as_of: Option<i64>, state: String) {
        let slot = self.slot(&stream.name);
        let mut s = lock(&slot);
        s.as_of = as_of;
        s.set(state.into());
    }

    /// Whether anyone subscribes to `stream`: the producer serialises only those streams.
    pub fn has_subscribers(&self, stream: &str) -> bool {
        read(&self.streams)
            .get(stream)
            .is_some_and(|s| !lock(s).subscribers.is_empty())
    }

    /// Publishes unconditionally (alert changes) and wakes the subscribers.
    pub fn publish(&self, p: Publish<'_>) {
        self.batch().publish(p);
    }

    /// Queues the update in every subscriber's mailbox; the mailboxes to wake go to `woken`.
    fn publish_locked(&self, s: &mut Slot, p: Publish<'_>, woken: &mut Vec<Arc<Mailbox>>) {
        s.seq += 1;
        s.as_of = p.as_of;
        s.last_publish_ms = p.now_ms;
        s.set(p.state);
        let state = match p.delta.is_some() {
            true => None,
            false => Some(s.text()),
        };
        let kind = if p.resync.is_some() {
            DataKind::Snapshot
        } else {
            DataKind::Update
        };
        let bytes = frame::data(&frame::Data {
            kind,
            stream: &p.stream.name,
            seq: s.seq,
            as_of: p.as_of,
            sent_at: p.now_ms,
            resync: p.resync,
            data: p.delta.as_deref().or(state.as_deref()).unwrap_or("null"),
        });
        if s.ring.len() >= self.ring_capacity {
            s.ring.pop_front();
        }
        s.ring.push_back((s.seq, bytes.clone()));
        for mb in s.subscribers.values() {
            match mb.push(&p.stream.name, bytes.clone()) {
                Pushed::Queued => woken.push(mb.clone()),
                Pushed::Lagged => {
                    self.metrics.lagged.inc();
                    woken.push(mb.clone());
                }
                Pushed::Skipped => {}
            }
        }
    }

    /// Registers `mailbox` on `stream` and returns the frames that start it: the updates after
    /// `ResumeFrom(seq)` when all are still buffered (none when the client is current), else a
    /// snapshot — marked `resync` when it replaces a requested resume.
    pub fn subscribe(
        &self,
        stream: &StreamName,
        mailbox: &Arc<Mailbox>,
        start: Start,
        now_ms: i64,
    ) -> Vec<ByteString> {
        let slot = self.slot(&stream.name);
        let mut s = lock(&slot);
        s.subscribers.insert(mailbox.id, mailbox.clone());
        let resync = match start {
            Start::Snapshot => None,
            Start::OtherEpoch => Some(Resync::EpochChanged),
            Start::ResumeFrom(seen) if seen == s.seq => return Vec::new(),
            Start::ResumeFrom(seen) => {
                let first = s.ring.front().map_or(u64::MAX, |(q, _)| *q);
                if seen < s.seq && seen + 1 >= first {
                    return s
                        .ring
                        .iter()
                        .filter(|(q, _)| *q > seen)
                        .map(|(_, f)| f.clone())
                        .collect();
                }
                Some(Resync::ResumeGap)
            }
        };
        if let Some(r) = resync {
            self.metrics.resynced.with_label_values(&[r.as_str()]).inc();
        }
        vec![snapshot(stream, &mut s, now_ms, resync)]
    }

    /// A fresh snapshot for a lagged subscriber; clears its lag under the stream's lock so the
    /// next update follows the snapshot's `seq` exactly.
    pub fn resync(&self, stream: &StreamName, mailbox: &Mailbox, now_ms: i64) -> ByteString {
        let slot = self.slot(&stream.name);
        let mut s = lock(&slot);
        mailbox.clear_lag(&stream.name);
        self.metrics
            .resynced
            .with_label_values(&[Resync::Lagged.as_str()])
            .inc();
        snapshot(stream, &mut s, now_ms, Some(Resync::Lagged))
    }

    pub fn unsubscribe(&self, stream: &str, mailbox: &Mailbox) {
        if let Some(slot) = read(&self.streams).get(stream) {
            lock(slot).subscribers.remove(&mailbox.id);
        }
        mailbox.forget(stream);
    }

    /// Sensor streams someone listens to (the producer reads only those sensors).
    pub fn watched_sensors(&self) -> Vec<String> {
        read(&self.streams)
            .iter()
            .filter(|(_, slot)| !lock(slot).subscribers.is_empty())
            .filter_map(|(name, _)| name.strip_prefix("sensor/").map(str::to_owned))
            .collect()
    }

    /// The current `seq` of a stream (0 before its first publish).
    pub fn seq(&self, stream: &str) -> u64 {
        read(&self.streams).get(stream).map_or(0, |s| lock(s).seq)
    }
}

/// Publishes made together (one producer tick). Frames are queued as each publish is made;
/// every mailbox they went to is woken once, when the batch is dropped.
pub struct Batch<'h> {
    hub: &'h Hub,
    woken: Vec<Arc<Mailbox>>,
}

impl Batch<'_> {
    /// Publishes a full-state stream's new state when it changed (see [`Trigger`]). Returns
    /// whether it published.
    pub fn offer(
        &mut self,
        stream: &StreamName,
        as_of: Option<i64>,
        state: String,
        now_ms: i64,
        trigger: Trigger,
    ) -> bool {
        let slot = self.hub.slot(&stream.name);
        let mut s = lock(&slot);
        let publish = s.seq == 0
            || match trigger {
                Trigger::AsOf { refresh_ms } => {
                    as_of != s.as_of
                        || (!s.holds(&state) && now_ms - s.last_publish_ms >= refresh_ms)
                }
                Trigger::Content => !s.holds(&state),
            };
        if publish {
            let p = Publish {
                stream,
                as_of,
                state: state.into(),
                delta: None,
                now_ms,
                resync: None,
            };
            self.hub.publish_locked(&mut s, p, &mut self.woken);
        }
        publish
    }

    /// Publishes unconditionally.
    pub fn publish(&mut self, p: Publish<'_>) {
        let slot = self.hub.slot(&p.stream.name);
        let mut s = lock(&slot);
        self.hub.publish_locked(&mut s, p, &mut self.woken);
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.woken.sort_unstable_by_key(|m| m.id);
        self.woken.dedup_by_key(|m| m.id);
        for mb in self.woken.drain(..) {
            mb.wake();
        }
    }
}

fn snapshot(stream: &StreamName, s: &mut Slot, now_ms: i64, resync: Option<Resync>) -> ByteString {
    let data = s.text();
    frame::data(&frame::Data {
        kind: DataKind::Snapshot,
        stream: &stream.name,
        seq: s.seq,
        as_of: s.as_of,
        sent_at: now_ms,
        resync,
        data: &data,
    })
}
