//! What the alert rules observe: every stored reading (a sensor subject, the metric as the
//! signal) and, every `indicators.alert_eval_interval_s`, the district and city indicators
//! (`vn_aqi`, `congestion_index`, `queue_wait_s`). Pure conversions plus the periodic task.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{AlertService, Observation, Subject};
use crate::aggregate::SharedLive;
use crate::indicators::{compute, AirArea, CityIndicators, IndicatorParams};
use crate::model::{City, Reading};
use crate::shell::now_ms;

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

/// Indicator observations: per district and city-wide, plus each centre's estimated wait.
pub fn indicator_observations(ind: &CityIndicators, now_ms: i64) -> Vec<Observation> {
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
    for c in &ind.centres {
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

/// Every `interval`: evaluates the indicators against the rules and advances durations and
/// staleness. Runs the (blocking) service calls off the async executor.
pub async fn run_evaluator(
    service: Arc<AlertService>,
    live: SharedLive,
    params: IndicatorParams,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let (service, live) = (service.clone(), live.clone());
        let done = tokio::task::spawn_blocking(move || {
            let now = now_ms();
            // Hold the read lock only to copy the inputs; the maths runs without it.
            let (city, inputs) = {
                let live = crate::shell::lock::read(&live);
                (live.city().clone(), live.sensor_inputs(now))
            };
            let ind = compute(&city, &inputs, &params, now);
            let obs = indicator_observations(&ind, now);
            let seen: std::collections::HashMap<&str, i64> = inputs
                .iter()
                .filter_map(|s| s.last_seen_ms.map(|t| (s.id.as_ref(), t)))
                .collect();
            service.observe_all(&obs, now)?;
            service.tick(now, &|s: &Subject| match s {
                Subject::Sensor(id) => seen.get(id.as_str()).copied(),
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
