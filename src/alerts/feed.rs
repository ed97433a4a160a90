//! What the alert rules observe: every stored reading (a sensor subject, the metric as the
//! signal) and, every `indicators.alert_eval_interval_s`, the district and city indicators
//! (`vn_aqi`, `congestion_index`, `queue_wait_s`). Pure conversions plus the periodic task.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{AlertService, Observation, Subject};
use crate::aggregate::SharedLive;
use crate::indicators::{compute, CityIndicators, IndicatorParams};
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
    let mut out = Vec::new();
    let mut push = |subject: Subject,
                    domain: &str,
                    district: Option<&String>,
                    sensor: Option<&String>,
                    signal: &str,
                    value: Option<f64>,
                    ts: Option<i64>| {
        if let Some(value) = value {
            out.push(Observation {
                subject,
                domain: domain.to_owned(),
                district: district.cloned(),
                sensor: sensor.cloned(),
                signal: signal.to_owned(),
                value,
                ts_ms: ts.unwrap_or(now_ms),
            });
        }
    };
    for (d, a) in &ind.environment.districts {
        push(
            Subject::district(d.as_str()),
            "environment",
            Some(d),
            None,
            "vn_aqi",
            a.vn_aqi.as_ref().map(|v| f64::from(v.aqi)),
            a.as_of,
        );
    }
    let city_aqi = &ind.environment.city;
    push(
        Subject::City,
        "environment",
        None,
        None,
        "vn_aqi",
        city_aqi.vn_aqi.as_ref().map(|v| f64::from(v.aqi)),
        city_aqi.as_of,
    );
    for (d, t) in &ind.traffic.districts {
        push(
            Subject::district(d.as_str()),
            "traffic",
            Some(d),
            None,
            "congestion_index",
            t.congestion_index,
            None,
        );
    }
    push(
        Subject::City,
        "traffic",
        None,
        None,
        "congestion_index",
        ind.traffic.city.congestion_index,
        None,
    );
    for (d, q) in &ind.public_service.districts {
        push(
            Subject::district(d.as_str()),
            "public_service",
            Some(d),
            None,
            "queue_wait_s",
            q.est_wait_newcomer_s,
            None,
        );
    }
    for c in &ind.centres {
        push(
            Subject::sensor(c.id.as_str()),
            "public_service",
            Some(&c.district),
            Some(&c.id),
            "queue_wait_s",
            c.queue.est_wait_newcomer_s,
            c.as_of,
        );
    }
    out
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
