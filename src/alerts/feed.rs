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

/// One observation per reading.
pub fn reading_observations(city: &City, readings: &[Reading]) -> Vec<Observation> {
    readings
        .iter()
        .map(|r| Observation {
            subject: Subject::sensor(r.sensor.as_ref()),
            domain: city.domain(r.domain).name.clone(),
            district: Some(city.district(r.district).id.clone()),
            sensor: Some(r.sensor.to_string()),
            signal: city.metric(r.metric).name.clone(),
            value: r.value,
            ts_ms: r.ts_ms,
        })
        .collect()
}

/// The snapshot's indicator observations (see [`area_observations`]).
pub fn indicator_observations(snap: &Snapshot) -> Vec<Observation> {
    let centres = snap.entries().filter_map(|e| e.part.centre.as_deref());
    area_observations(snap.areas(), centres, snap.generated_at)
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
            district: Some(c.district.clone()),
            sensor: Some(c.id.clone()),
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
            domain: domain.to_owned(),
            district: district.map(str::to_owned),
            sensor: None,
            signal: signal.to_owned(),
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
