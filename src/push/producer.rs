//! The producers: a task that publishes each new snapshot's streams (so indicator changes
//! are coalesced to at most one update per snapshot tick, `push.min_interval_ms`), and a task
//! that forwards alert changes at once. A stream nobody subscribes to is not rendered; an
//! unchanged one costs a comparison; the sensor-status streams send only what changed.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::frame::Resync;
use super::hub::{Batch, Hub, Publish, Trigger};
use super::render::{self, StatusScope};
use super::stream::{StreamName, CITY};
use super::AlertFeed;
use crate::aggregate::SharedLive;
use crate::shell::now_ms;
use crate::snapshot::{Snapshot, SnapshotRx};

pub struct Producer {
    pub hub: Arc<Hub>,
    /// For the `sensor/{id}` streams: a watched sensor's latest values.
    pub live: SharedLive,
    pub snapshots: SnapshotRx,
    pub alerts: Option<Arc<dyn AlertFeed>>,
    /// A stream whose `as_of` did not move but whose content did (windows slide, sensors go
    /// late) is republished at most this often.
    pub refresh_ms: i64,
}

/// Publishes every new snapshot until `shutdown`.
pub async fn run_producer(mut p: Producer, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            changed = p.snapshots.changed() => if changed.is_err() { return },
        }
        let snap = p.snapshots.borrow_and_update().clone();
        let started = Instant::now();
        p.tick(&snap, now_ms());
        p.hub
            .metrics()
            .tick_seconds
            .observe(started.elapsed().as_secs_f64());
    }
}

impl Producer {
    fn trigger(&self) -> Trigger {
        Trigger::AsOf {
            refresh_ms: self.refresh_ms,
        }
    }

    pub fn tick(&self, snap: &Arc<Snapshot>, now: i64) {
        let mut batch = self.hub.batch();
        let city = &snap.city;
        for domain in &city.domains {
            let areas = std::iter::once(CITY).chain(city.districts.iter().map(|d| d.id.as_str()));
            for area in areas {
                let name = StreamName::indicators(&domain.name, area);
                if self.hub.has_subscribers(&name.name) {
                    let (as_of, data) = render::indicators(snap, &domain.name, area);
                    batch.offer(&name, as_of, data, now, self.trigger());
                }
            }
        }
        let kpi = StreamName::kpi();
        if self.hub.has_subscribers(&kpi.name) {
            let (as_of, data) = render::kpi(snap, self.open_alerts());
            batch.offer(&kpi, as_of, data, now, self.trigger());
        }
        self.statuses(snap, &mut batch, now);
        self.sensors(&mut batch, now);
    }

    fn open_alerts(&self) -> std::collections::BTreeMap<String, u64> {
        self.alerts
            .as_ref()
            .map(|a| a.open_counts())
            .unwrap_or_default()
    }

    /// Each status stream: a delta of the sensors whose status changed, when any did.
    fn statuses(&self, snap: &Arc<Snapshot>, batch: &mut Batch<'_>, now: i64) {
        if snap.changes.statuses.is_empty() {
            return;
        }
        let names = std::iter::once(StreamName::sensor_status()).chain(
            snap.city
                .districts
                .iter()
                .map(|d| StreamName::sensor_status_in(&d.id)),
        );
        for name in names {
            if !self.hub.has_subscribers(&name.name) {
                continue;
            }
            let Some(scope) = StatusScope::of(snap, &name) else {
                continue;
            };
            if let Some(delta) = render::status_delta(snap, scope) {
                batch.publish(Publish {
                    stream: &name,
                    as_of: Some(snap.generated_at),
                    state: render::lazy_status(snap, scope),
                    delta: Some(delta),
                    now_ms: now,
                    resync: None,
                });
            }
        }
    }

    /// The `sensor/{id}` streams someone listens to.
    fn sensors(&self, batch: &mut Batch<'_>, now: i64) {
        let watched = self.hub.watched_sensors();
        if watched.is_empty() {
            return;
        }
        let details: Vec<_> = {
            let live = crate::shell::lock::read(&self.live);
            watched
                .iter()
                .filter_map(|id| live.sensor(id, now).map(|d| (id, d)))
                .collect()
        };
        for (id, detail) in details {
            let as_of = detail.latest.values().map(|v| v.ts.min(now)).max();
            let data = render::to_value(&detail).to_string();
            batch.offer(&StreamName::sensor(id), as_of, data, now, self.trigger());
        }
    }
}

/// Renders a stream a first subscriber is about to take from the latest snapshot, and offers
/// it, so a stream the producer skipped while nobody listened starts current.
pub fn refresh(
    hub: &Hub,
    snap: &Arc<Snapshot>,
    alerts: Option<&Arc<dyn AlertFeed>>,
    name: &StreamName,
) {
    if hub.has_subscribers(&name.name) {
        return;
    }
    let now = now_ms();
    let mut batch = hub.batch();
    let trigger = Trigger::Content;
    match name.kind {
        super::StreamKind::Indicators => {
            let mut parts = name.name.splitn(3, '/').skip(1);
            if let (Some(domain), Some(area)) = (parts.next(), parts.next()) {
                let (as_of, data) = render::indicators(snap, domain, area);
                batch.offer(name, as_of, data, now, trigger);
            }
        }
        super::StreamKind::Kpi => {
            let open = alerts.map(|a| a.open_counts()).unwrap_or_default();
            let (as_of, data) = render::kpi(snap, open);
            batch.offer(name, as_of, data, now, trigger);
        }
        super::StreamKind::SensorStatus => {
            if let Some(scope) = StatusScope::of(snap, name) {
                let state = render::status_state(snap, scope);
                batch.offer(name, Some(snap.generated_at), state, now, trigger);
            }
        }
        super::StreamKind::Alerts
        | super::StreamKind::Sensor
        | super::StreamKind::Incidents
        | super::StreamKind::Events => {}
    }
}

/// Forwards every alert change to the `alerts` stream as it happens. The stream's state (its
/// snapshot) is the list of open alerts; an update carries one change. When the change feed
/// lagged, the open list is re-read and sent as a `source_lagged` snapshot.
pub async fn run_alerts(hub: Arc<Hub>, feed: Arc<dyn AlertFeed>, shutdown: CancellationToken) {
    let mut rx = feed.subscribe();
    let stream = StreamName::alerts();
    let open = |feed: &dyn AlertFeed| {
        let open = feed.open_alerts();
        let as_of = open.iter().map(|a| a.updated_ms).max();
        (as_of, json!({ "open": open }).to_string())
    };
    let (as_of, state) = open(&*feed);
    hub.seed(&stream, as_of, state);
    loop {
        let change = tokio::select! {
            _ = shutdown.cancelled() => return,
            c = rx.recv() => c,
        };
        let now = now_ms();
        match change {
            Ok(c) => {
                let (_, state) = open(&*feed);
                hub.publish(Publish {
                    stream: &stream,
                    as_of: Some(c.event.at_ms),
                    state: state.into(),
                    delta: Some(json!({ "change": c }).to_string()),
                    now_ms: now,
                    resync: None,
                });
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "alert change feed lagged; resynchronising clients"
                );
                let (as_of, state) = open(&*feed);
                hub.publish(Publish {
                    stream: &stream,
                    as_of,
                    state: state.into(),
                    delta: None,
                    now_ms: now,
                    resync: Some(Resync::SourceLagged),
                });
            }
            Err(RecvError::Closed) => return,
        }
    }
}
