//! Push: live streams to control-room screens over WebSocket (`/api/v1/stream`, actix-ws).
//! The protocol is documented in `docs/websocket.md`.
//!
//! Files, in the order a reader needs them:
//! - `stream.rs`: [`StreamName`], [`StreamKind`] and the pure resolver of names and patterns.
//! - `protocol.rs`: the pure parser of client messages into a [`Request`] (never panics).
//! - `frame.rs`: every message the server sends; a data frame is serialised once, shared.
//! - `hub.rs`: [`Hub`], each stream's state, `seq`, resume ring and subscribers.
//! - `mailbox.rs`: [`Mailbox`], one connection's bounded queue (lag → resync, never growth).
//! - `producer.rs`: the tick that publishes changed streams from the live state; the
//!   forwarder of alert changes.
//! - `connection.rs`: one connection's task: requests, heartbeat, limits, draining.
//! - `rate.rs`: the token bucket behind the subscribe and bad-message limits.
//! - `gate.rs`: refuses a frame on its declared length, before its payload is buffered, and
//!   caps what an unauthenticated connection may send.
//! - `pending.rs`: the separate budget of connections that have not authenticated yet.

mod access;
mod connection;
mod end;
mod fragment;
mod frame;
mod gate;
mod hub;
/// WebSocket message invariants shared by the fuzz targets and the stable suite.
#[cfg(any(test, feature = "fuzzing"))]
pub mod invariants;
mod mailbox;
mod operations;
mod pending;
mod producer;
pub mod protocol;
mod rate;
mod render;
mod settings;
pub mod stream;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod status_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use access::Authn;
pub use connection::serve_connection;
pub use fragment::WRITE_BUFFER_BYTES;
pub use gate::{GateLimits, GateState, GatedPayload};
pub use hub::{Hub, Start, Trigger};
pub use mailbox::{Mailbox, Pushed};
pub use pending::PendingFull;
pub use protocol::{parse, ProtocolError, Request};
pub use settings::PushSettings;
pub use stream::{resolve, Catalog, StreamKind, StreamName};

use crate::aggregate::SharedLive;
use crate::alerts::{Alert, AlertChange, AlertService};
use crate::snapshot::SnapshotRx;
use crate::telemetry::PushMetrics;

/// What the alerts stream needs of the alert service (a trait so the push tests can fake it).
pub trait AlertFeed: Send + Sync {
    /// Open alerts, most severe first.
    fn open_alerts(&self) -> Vec<Alert>;
    /// Open alerts by severity (the KPI's `open_alerts`).
    fn open_counts(&self) -> BTreeMap<String, u64>;
    /// Every change from now on.
    fn subscribe(&self) -> broadcast::Receiver<AlertChange>;
}

impl AlertFeed for AlertService {
    fn open_alerts(&self) -> Vec<Alert> {
        AlertService::open_alerts(self)
    }
    fn open_counts(&self) -> BTreeMap<String, u64> {
        self.counts_by_severity().by_name()
    }
    fn subscribe(&self) -> broadcast::Receiver<AlertChange> {
        AlertService::subscribe(self)
    }
}

/// The running push service: what the WebSocket route needs.
pub struct Push {
    pub(crate) hub: Arc<Hub>,
    pub(crate) config: PushSettings,
    pub(crate) live: SharedLive,
    pub(crate) snapshots: SnapshotRx,
    pub(crate) alerts: Option<Arc<dyn AlertFeed>>,
    pub(crate) shutdown: CancellationToken,
    connections: AtomicUsize,
    /// Connections not yet authenticated, apart from `connections`. A std mutex: a few
    /// arithmetic steps per upgrade and per close, never held across an await.
    pending: Mutex<pending::PendingBook>,
    next_id: AtomicU64,
}

impl Push {
    /// Starts the producer (and the alerts forwarder when there is an alert service); both
    /// stop on `shutdown`, as do open connections (close code 1001, going away).
    pub fn start(
        config: PushSettings,
        live: SharedLive,
        snapshots: SnapshotRx,
        alerts: Option<Arc<dyn AlertFeed>>,
        metrics: PushMetrics,
        shutdown: CancellationToken,
    ) -> (Arc<Push>, Vec<JoinHandle<()>>) {
        let epoch = epoch(crate::shell::now_ms());
        let hub = Arc::new(Hub::new(epoch, config.resume_buffer, metrics));
        let mut tasks = Vec::new();
        if let Some(feed) = &alerts {
            tasks.push(tokio::spawn(producer::run_alerts(
                hub.clone(),
                feed.clone(),
                shutdown.clone(),
            )));
        }
        let p = producer::Producer {
            hub: hub.clone(),
            live: live.clone(),
            snapshots: snapshots.clone(),
            alerts: alerts.clone(),
            refresh_ms: config.refresh_ms as i64,
        };
        tasks.push(tokio::spawn(producer::run_producer(p, shutdown.clone())));
        let pending = Mutex::new(pending::PendingBook::new(
            config.max_pending,
            config.max_pending_per_ip,
        ));
        let push = Arc::new(Push {
            hub,
            pending,
            config,
            live,
            snapshots,
            alerts,
            shutdown,
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        (push, tasks)
    }

    /// Counts a new connection in, or `None` when `max_connections` are open.
    pub fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let n = self.connections.fetch_add(1, Ordering::AcqRel);
        if n >= self.config.max_connections {
            self.connections.fetch_sub(1, Ordering::AcqRel);
            self.hub.metrics().refused.inc();
            return None;
        }
        self.hub.metrics().clients.inc();
        Some(Admitted {
            push: self.clone(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Counts in a connection that has yet to authenticate, within `push.max_pending` and
    /// `push.max_pending_per_ip`; it takes no seat of `max_connections` until it does.
    pub fn admit_pending(self: &Arc<Self>, ip: IpAddr) -> Result<Pending, PendingFull> {
        let taken = crate::shell::lock::lock(&self.pending).take(ip);
        if let Err(full) = taken {
            self.hub.metrics().refused.inc();
            return Err(full);
        }
        self.hub.metrics().pending.inc();
        Ok(Pending {
            push: self.clone(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            ip,
        })
    }

    pub fn max_connections(&self) -> usize {
        self.config.max_connections
    }

    /// What one connection may send, before and after authenticating.
    pub fn gate_limits(&self) -> GateLimits {
        GateLimits {
            frame: connection::HARD_FRAME_LIMIT,
            pending_frame: self.config.max_message_bytes,
            pending_total: self.config.pending_max_bytes,
        }
    }

    /// Pending connections now (for tests and the gauge's cross-check).
    pub fn pending(&self) -> usize {
        crate::shell::lock::lock(&self.pending).total()
    }
}

/// Where a connection stands in the budgets: waiting to authenticate, or holding a seat.
pub enum Slot {
    Pending(Pending),
    Admitted(Admitted),
}

impl Slot {
    /// Once authenticated: a seat of `max_connections`, the pending place given back. False
    /// when every seat is taken.
    pub(crate) fn take_seat(&mut self) -> bool {
        let Slot::Pending(p) = self else {
            return true;
        };
        match p.push.admit() {
            Some(seat) => {
                *self = Slot::Admitted(seat);
                true
            }
            None => false,
        }
    }
}

/// One connection waiting to authenticate; gives its pending place back when dropped.
pub struct Pending {
    pub(crate) push: Arc<Push>,
    pub(crate) id: u64,
    ip: IpAddr,
}

impl Drop for Pending {
    fn drop(&mut self) {
        crate::shell::lock::lock(&self.push.pending).give_back(self.ip);
        self.push.hub.metrics().pending.dec();
    }
}

/// One admitted connection; counts it out when dropped.
pub struct Admitted {
    pub(crate) push: Arc<Push>,
    pub(crate) id: u64,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.push.connections.fetch_sub(1, Ordering::AcqRel);
        self.push.hub.metrics().clients.dec();
    }
}

/// This server run's name for its streams' `seq`s: its start time and 32 random bits, so two
/// replicas started in the same millisecond never take each other's resume points as their
/// own (a client moved from one to the other gets a snapshot, never a silent gap).
fn epoch(now_ms: i64) -> String {
    let mut salt = [0u8; 4];
    // Without randomness the time alone still tells server runs apart.
    let _ = getrandom::fill(&mut salt);
    format!("{now_ms:x}{:08x}", u32::from_be_bytes(salt))
}
