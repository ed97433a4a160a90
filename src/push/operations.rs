//! The `incidents` and `events` streams: the newest open incidents (and each change) and the recent
//! events (and each new one), kept in memory by their forwarders from the services'
//! broadcasts. Cost per change: at most 200 incidents to re-render and one frame; no
//! database read after the first.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::frame::Resync;
use super::hub::{Hub, Publish};
use super::{Push, StreamName};
use crate::events::{Event, EventFilter, EventService};
use crate::incidents::{Incident, IncidentService};
use crate::shell::now_ms;

/// Events the `events` stream's snapshot holds.
pub const RECENT_EVENTS: usize = 100;

/// Open incidents the `incidents` stream's snapshot holds, the newest: what one change costs to
/// render stays bounded however many are open (the REST list pages through the rest).
pub const STREAMED_INCIDENTS: usize = 200;

impl Push {
    /// Starts the forwarders of the `incidents` and `events` streams.
    pub fn follow_operations(
        &self,
        incidents: Arc<IncidentService>,
        events: Arc<EventService>,
        shutdown: CancellationToken,
    ) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(run_incidents(self.hub.clone(), incidents, shutdown.clone())),
            tokio::spawn(run_events(self.hub.clone(), events, shutdown)),
        ]
    }
}

fn listed(mut i: Incident) -> Incident {
    i.timeline = Vec::new();
    i
}

async fn read_open(service: &Arc<IncidentService>) -> Vec<Incident> {
    let s = service.clone();
    match tokio::task::spawn_blocking(move || s.newest_open(STREAMED_INCIDENTS as u32)).await {
        Ok(Ok(open)) => open.into_iter().map(listed).collect(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the incidents stream cannot read the open incidents");
            Vec::new()
        }
        Err(e) => {
            tracing::warn!(error = %e, "the incidents stream's read failed");
            Vec::new()
        }
    }
}

fn open_state(open: &[Incident]) -> String {
    json!({ "open": open }).to_string()
}

/// Forwards every incident change; the snapshot is the open incidents, newest first.
async fn run_incidents(hub: Arc<Hub>, service: Arc<IncidentService>, shutdown: CancellationToken) {
    let mut rx = service.subscribe();
    let stream = StreamName::incidents();
    let mut open = read_open(&service).await;
    hub.seed(
        &stream,
        open.iter().map(|i| i.updated_ms).max(),
        open_state(&open),
    );
    loop {
        let change = tokio::select! {
            _ = shutdown.cancelled() => return,
            c = rx.recv() => c,
        };
        match change {
            Ok(c) => {
                let inc = listed(c.incident);
                open.retain(|i| i.id != inc.id);
                if inc.status.is_open() {
                    open.push(inc.clone());
                    open.sort_by_key(|i| std::cmp::Reverse(i.id));
                    open.truncate(STREAMED_INCIDENTS);
                }
                let delta = json!({ "change": { "incident": inc, "entry": c.entry } });
                hub.publish(Publish {
                    stream: &stream,
                    as_of: Some(c.entry.at_ms),
                    state: open_state(&open).into(),
                    delta: Some(delta.to_string()),
                    now_ms: now_ms(),
                    resync: None,
                });
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "incident change feed lagged; resynchronising clients"
                );
                open = read_open(&service).await;
                hub.publish(Publish {
                    stream: &stream,
                    as_of: open.iter().map(|i| i.updated_ms).max(),
                    state: open_state(&open).into(),
                    delta: None,
                    now_ms: now_ms(),
                    resync: Some(Resync::SourceLagged),
                });
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn read_recent(service: &Arc<EventService>) -> VecDeque<Event> {
    let s = service.clone();
    let filter = EventFilter {
        limit: RECENT_EVENTS as u32,
        ..EventFilter::default()
    };
    match tokio::task::spawn_blocking(move || s.list(&filter)).await {
        Ok(Ok(rows)) => rows.into_iter().map(|(_, e)| e.without_contact()).collect(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the events stream cannot read the recent events");
            VecDeque::new()
        }
        Err(e) => {
            tracing::warn!(error = %e, "the events stream's read failed");
            VecDeque::new()
        }
    }
}

fn recent_state(recent: &VecDeque<Event>) -> String {
    json!({ "recent": recent }).to_string()
}

/// Forwards every new event (without the reporter's contact: the stream is for every
/// whole-city viewer); the snapshot is the latest [`RECENT_EVENTS`], newest first.
async fn run_events(hub: Arc<Hub>, service: Arc<EventService>, shutdown: CancellationToken) {
    let mut rx = service.subscribe();
    let stream = StreamName::events();
    let mut recent = read_recent(&service).await;
    hub.seed(
        &stream,
        recent.front().map(|e| e.received_ms),
        recent_state(&recent),
    );
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            e = rx.recv() => e,
        };
        match event {
            Ok(e) => {
                let e = e.without_contact();
                recent.push_front(e.clone());
                recent.truncate(RECENT_EVENTS);
                hub.publish(Publish {
                    stream: &stream,
                    as_of: Some(e.received_ms),
                    state: recent_state(&recent).into(),
                    delta: Some(json!({ "event": e }).to_string()),
                    now_ms: now_ms(),
                    resync: None,
                });
            }
            Err(RecvError::Lagged(_)) => {
                recent = read_recent(&service).await;
                hub.publish(Publish {
                    stream: &stream,
                    as_of: recent.front().map(|e| e.received_ms),
                    state: recent_state(&recent).into(),
                    delta: None,
                    now_ms: now_ms(),
                    resync: Some(Resync::SourceLagged),
                });
            }
            Err(RecvError::Closed) => return,
        }
    }
}
