//! What the alert rules observe: every stored reading (a sensor subject, the metric as the
//! signal) and, every `indicators.alert_eval_interval_s`, the district and city indicators
//! (`vn_aqi`, `congestion_index`, `queue_wait_s`) of the latest snapshot. Pure conversions
//! plus the periodic task; an evaluation costs districts plus centres, never a recomputation.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{AlertService, Observation, Subject};
use crate::indicators::{AirArea, Areas, Centre};
use crate::model::{City, Reading};
use crate::shell::now_ms;
use crate::snapshot::{Snapshot, SnapshotRx};

/// The city's domain, district and metric names, shared by every observation made from a
/// reading: an observation then allocates nothing (at 250k readings/s, five strings per
/// reading were most of the commit stage's allocations).
pub struct ObservedNames {
    domains: Vec<Arc<str>>,
    districts: Vec<Arc<str>>,
    metrics: Vec<Arc<str>>,
}

impl ObservedNames {
    pub fn of(city: &City) -> ObservedNames {
        fn shared<'a>(names: impl Iterator<Item = &'a String>) -> Vec<Arc<str>> {
            names.map(|n| Arc::from(n.as_str())).collect()
        }
        ObservedNames {
            domains: shared(city.domains.iter().map(|d| &d.name)),
            districts: shared(city.districts.iter().map(|d| &d.id)),
            metrics: shared(city.metrics.iter().map(|m| &m.name)),
        }
    }
}

/// One observation per reading (of the city `names` was made from).
pub fn reading_observations(names: &ObservedNames, readings: &[Reading]) -> Vec<Observation> {
    readings
        .iter()
        .map(|r| Observation {
            subject: Subject::Sensor(r.sensor.clone()),
            domain: names.domains[usize::from(r.domain.0)].clone(),
            district: Some(names.districts[usize::from(r.district.0)].clone()),
            sensor: Some(r.sensor.clone()),
            signal: names.metrics[usize::from(r.metric.0)].clone(),
            value: r.value,
            ts_ms: r.ts_ms,
        })
        .collect()
}

/// The snapshot's indicator observations (see [`area_observations`]). A partition observes
/// only its own districts, and the city only if it evaluates the city-wide rules: each alert
/// is raised by one partition, which reports it to the others in its summary.
pub fn indicator_observations(snap: &Snapshot) -> Vec<Observation> {
    let centres = snap.entries().filter_map(|e| e.part.centre.as_deref());
    let mut obs = area_observations(snap.areas(), centres, snap.generated_at);
    obs.retain(|o| match (&o.subject, o.district.as_deref()) {
        // Never on a partial city: a missing partition would raise or clear a city alert.
        (Subject::City, _) => snap.owns_city() && snap.areas().partial.is_none(),
        (_, Some(d)) => snap.city.district_idx(d).is_none_or(|d| snap.owns(d)),
        (_, None) => true,
    });
    obs
}

/// Indicator observations: per district and city-wide, plus each centre's estimated wait.
pub fn area_observations<'a>(
    ind: &Areas,
    centres: impl Iterator<Item = &'a Centre>,
    now_ms: i64,
) -> Vec<Observation> {
    let mut obs = Observations {
        out: Vec::new(),
        now_ms,
    };
    let aqi = |a: &AirArea| a.vn_aqi.as_ref().map(|v| f64::from(v.aqi));
    for (d, a) in &ind.environment.districts {
        obs.district(d, "environment", "vn_aqi", aqi(a), a.as_of);
    }
    let city = &ind.environment.city;
    obs.city("environment", "vn_aqi", aqi(city), city.as_of);
    for (d, t) in &ind.traffic.districts {
        obs.district(d, "traffic", "congestion_index", t.congestion_index, None);
    }
    let city = &ind.traffic.city;
    obs.city("traffic", "congestion_index", city.congestion_index, None);
    for (d, q) in &ind.public_service.districts {
        obs.district(
            d,
            "public_service",
            "queue_wait_s",
            q.est_wait_newcomer_s,
            None,
        );
    }
    for c in centres {
        let Some(value) = c.queue.est_wait_newcomer_s else {
            continue;
        };
        obs.out.push(Observation {
            subject: Subject::sensor(c.id.as_str()),
            domain: "public_service".into(),
            district: Some(c.district.as_str().into()),
            sensor: Some(c.id.as_str().into()),
            signal: "queue_wait_s".into(),
            value,
            ts_ms: c.as_of.unwrap_or(now_ms),
        });
    }
    obs.out
}

/// Collects observations; an indicator without a value is not observed. Without a time of
/// its own, an observation is timed `now_ms`.
struct Observations {
    out: Vec<Observation>,
    now_ms: i64,
}

impl Observations {
    fn district(&mut self, d: &str, domain: &str, signal: &str, v: Option<f64>, ts: Option<i64>) {
        self.area(Subject::district(d), domain, Some(d), signal, v, ts);
    }

    fn city(&mut self, domain: &str, signal: &str, v: Option<f64>, ts: Option<i64>) {
        self.area(Subject::City, domain, None, signal, v, ts);
    }

    fn area(
        &mut self,
        subject: Subject,
        domain: &str,
        district: Option<&str>,
        signal: &str,
        value: Option<f64>,
        ts: Option<i64>,
    ) {
        let Some(value) = value else {
            return;
        };
        self.out.push(Observation {
            subject,
            domain: domain.into(),
            district: district.map(Into::into),
            sensor: None,
            signal: signal.into(),
            value,
            ts_ms: ts.unwrap_or(self.now_ms),
        });
    }
}

/// Every `interval`: evaluates the latest snapshot's indicators against the rules and
/// advances durations and staleness. Runs the (blocking) service calls off the async executor.
pub async fn run_evaluator(
    service: Arc<AlertService>,
    snapshots: SnapshotRx,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let service = service.clone();
        let snap = snapshots.borrow().clone();
        let done = tokio::task::spawn_blocking(move || {
            let now = now_ms();
            service.observe_all(&indicator_observations(&snap), now)?;
            service.tick(now, &|s: &Subject| match s {
                Subject::Sensor(id) => last_seen(&snap, id),
                _ => None,
            })
        })
        .await;
        match done {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "alert evaluation could not store its changes")
            }
            Err(e) => tracing::error!(error = %e, "alert evaluation task failed"),
        }
    }
}

/// When `id` last reported: a registered sensor by its registry position, an unregistered
/// one (few: their number is capped) by a scan past the registered ones.
fn last_seen(snap: &Snapshot, id: &str) -> Option<i64> {
    let city = &snap.city;
    match city.sensor_position(id) {
        Some(i) => snap.entry(i as u32)?.last_seen_ms,
        None => {
            snap.entries()
                .skip(city.sensors.len())
                .find(|e| &*e.id == id)?
                .last_seen_ms
        }
    }
}
