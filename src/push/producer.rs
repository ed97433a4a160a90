//! The producers: a task that looks at the live state every `push.min_interval_ms` and
//! publishes the streams that changed (so indicator changes are coalesced to at most one
//! update per tick), and a task that forwards alert changes at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::frame::Resync;
use super::hub::{Hub, Publish, Trigger};
use super::stream::{StreamName, CITY};
use super::AlertFeed;
use crate::aggregate::{Indicators, SensorFilter, SharedLive};
use crate::indicators::{compute, kpi, CityIndicators, IndicatorParams};
use crate::shell::now_ms;

pub struct Producer {
    pub hub: Arc<Hub>,
    pub live: SharedLive,
    pub params: IndicatorParams,
    pub alerts: Option<Arc<dyn AlertFeed>>,
    pub interval: Duration,
    /// A stream whose `as_of` did not move but whose content did (windows slide, sensors go
    /// late) is republished at most this often.
    pub refresh_ms: i64,
}

/// Ticks until `shutdown`. A tick takes the live state's read lock only to copy what it needs
/// (as the REST handlers do); computing and serialising happen after the lock is released.
pub async fn run_producer(p: Producer, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(p.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let started = Instant::now();
        p.tick(now_ms());
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

    pub fn tick(&self, now: i64) {
        let watched = self.hub.watched_sensors();
        let (city, inputs, windows, statuses, sensors) = {
            let live = crate::shell::lock::read(&self.live);
            let sensors: Vec<_> = watched
                .iter()
                .filter_map(|id| live.sensor(id, now).map(|d| (id, d)))
                .collect();
            (
                live.city().clone(),
                live.sensor_inputs(now),
                live.indicators(None, None, now),
                live.sensors(SensorFilter::default(), now),
                sensors,
            )
        };
        let ind = compute(&city, &inputs, &self.params, now);
        // Serialise every stream first, then fan out in one batch: no subscriber waits for
        // the serialisation of streams it does not take.
        let mut offers: Vec<(StreamName, Option<i64>, String, Trigger)> = Vec::new();
        for domain in &city.domains {
            let areas = std::iter::once(CITY).chain(city.districts.iter().map(|d| d.id.as_str()));
            for area in areas {
                let (as_of, data) = indicator_data(&ind, &windows, &domain.name, area);
                let name = StreamName::indicators(&domain.name, area);
                offers.push((name, as_of, data, self.trigger()));
            }
        }
        let open = self
            .alerts
            .as_ref()
            .map(|a| a.open_counts())
            .unwrap_or_default();
        let k = kpi(&city, &ind, open);
        let mut kv = to_value(&k);
        if let Value::Object(o) = &mut kv {
            o.remove("generated_at");
        }
        offers.push((StreamName::kpi(), k.as_of, kv.to_string(), self.trigger()));
        let status: Vec<Value> = statuses
            .iter()
            .map(|s| json!({"id": s.id, "domain": s.domain, "district": s.district, "status": s.status}))
            .collect();
        let newest_seen = statuses.iter().filter_map(|s| s.last_seen).max();
        // Status changes are what this stream is about: its as_of (newest receive time)
        // moves with every reading, so publish on content only.
        let status = json!({ "sensors": status }).to_string();
        offers.push((
            StreamName::sensor_status(),
            newest_seen,
            status,
            Trigger::Content,
        ));
        for (id, detail) in sensors {
            let as_of = detail.latest.values().map(|v| v.ts).max();
            let data = to_value(&detail).to_string();
            offers.push((StreamName::sensor(id), as_of, data, self.trigger()));
        }
        let mut batch = self.hub.batch();
        for (name, as_of, data, trigger) in offers {
            batch.offer(&name, as_of, data, now, trigger);
        }
    }
}

/// One domain's indicators in one area (a district or the city): the computed indicators
/// (when the domain has them), sensor health and the window aggregates per metric.
fn indicator_data(
    ind: &CityIndicators,
    windows: &Indicators,
    domain: &str,
    area: &str,
) -> (Option<i64>, String) {
    fn pick<T: Serialize>(a: &crate::indicators::Area<T>, area: &str) -> Value {
        if area == CITY {
            to_value(&a.city)
        } else {
            a.districts.get(area).map_or(Value::Null, to_value)
        }
    }
    let computed = match domain {
        "traffic" => pick(&ind.traffic, area),
        "environment" => pick(&ind.environment, area),
        "public_service" => pick(&ind.public_service, area),
        _ => Value::Null,
    };
    let health = ind
        .health
        .get(domain)
        .map_or(Value::Null, |h| pick(h, area));
    let (as_of, metrics) = match windows.domains.get(domain) {
        Some(d) if area == CITY => (d.as_of, to_value(&d.city)),
        Some(d) => match d.districts.get(area) {
            Some(m) => (m.values().filter_map(|x| x.as_of).max(), to_value(m)),
            None => (None, json!({})),
        },
        None => (None, json!({})),
    };
    let data = json!({"indicators": computed, "health": health, "windows": metrics});
    (as_of, data.to_string())
}

fn to_value<T: Serialize>(v: &T) -> Value {
    // Plain data structs with string keys: serialising them cannot fail.
    serde_json::to_value(v).unwrap_or(Value::Null)
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
                    state,
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
                    state,
                    delta: None,
                    now_ms: now,
                    resync: Some(Resync::SourceLagged),
                });
            }
            Err(RecvError::Closed) => return,
        }
    }
}
