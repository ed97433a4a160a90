//! `GET /api/v1/series`: history of one sensor-metric or of a domain/district aggregate, from
//! the embedded store, downsampled on the server to at most `store.max_points` points.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::resolve;
use crate::auth::Principal;
use crate::export::{flux_query, FluxRequest};
use crate::model::{parse_rfc3339_ms, MetricIdx};
use crate::serve::{ApiError, AppState};
use crate::shell::now_ms;
use crate::store::{fold, plan, Agg, PlanError, Scope, SeriesQuery};

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Query {
    sensor: Option<String>,
    domain: Option<String>,
    district: Option<String>,
    metric: String,
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    agg: Option<String>,
    format: Option<String>,
}

#[derive(Serialize)]
struct Answer {
    sensor: Option<String>,
    domain: String,
    district: Option<String>,
    metric: String,
    unit: String,
    agg: Agg,
    from: i64,
    to: i64,
    step_s: f64,
    /// What answered: raw, rollup_1m, rollup_1h, or influxdb (beyond local retention).
    source: &'static str,
    /// True when the range reaches past local retention and no InfluxDB is configured: older
    /// points are missing.
    partial: bool,
    /// `[t, value]` pairs, `t` the start of each step (unix ms); steps without data are absent.
    points: Vec<(i64, f64)>,
}

pub(super) async fn series(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    q: web::Query<Query>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (scope, domain_name, metric, unit) = scope_and_metric(&state, &principal, &q)?;
    let to =
        q.to.as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?
            .unwrap_or_else(now_ms);
    let from = q
        .from
        .as_deref()
        .map(|t| parse_time("from", t))
        .transpose()?
        .unwrap_or(to - DAY_MS);
    let step = q.step.as_deref().map(parse_step).transpose()?;
    let agg = match q.agg.as_deref() {
        None => Agg::Mean,
        Some(a) => Agg::parse(a).ok_or_else(|| {
            ApiError::InvalidQuery(format!(
                "agg {a:?} is not one of mean, min, max, sum, count, last"
            ))
        })?,
    };
    let plan =
        plan(from, to, step, state.max_points, now_ms(), &state.retention).map_err(
            |e| match e {
                PlanError::EmptyRange => {
                    ApiError::InvalidRange(format!("from ({from}) must be before to ({to})"))
                }
                e @ PlanError::TooManyPoints { .. } => ApiError::TooManyPoints(e.to_string()),
                e @ PlanError::StepTooFine { .. } => ApiError::InvalidQuery(e.to_string()),
            },
        )?;
    let (sensor, district) = match &scope {
        Scope::Sensor(id) => (Some(id.clone()), None),
        Scope::Group { district, .. } => (
            None,
            district.map(|d| state.live().city().district(d).id.clone()),
        ),
    };
    let (points, source, partial) = match (&state.flux, plan.beyond_retention) {
        (Some(flux), true) => {
            let request = FluxRequest {
                bucket: &flux.bucket,
                measurement: &domain_name,
                field: &q.metric,
                sensor: sensor.as_deref(),
                district: district.as_deref(),
                from_ms: from,
                to_ms: to,
                step_ms: plan.step_ms,
                agg,
            };
            let points = flux
                .points(flux_query(&request))
                .await
                .map_err(|e| ApiError::Upstream(e.to_string()))?;
            (points, "influxdb", false)
        }
        _ => {
            let query = SeriesQuery {
                scope: scope.clone(),
                metric,
                from_ms: from,
                to_ms: to,
            };
            let store = state.store.clone();
            let rows = web::block(move || store.rows(&query, plan.resolution))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            (
                fold(&rows, plan.step_ms, agg),
                plan.resolution.name(),
                plan.beyond_retention,
            )
        }
    };
    let answer = Answer {
        sensor,
        domain: domain_name,
        district,
        metric: q.metric.clone(),
        unit,
        agg,
        from,
        to,
        step_s: plan.step_ms as f64 / 1000.0,
        source,
        partial,
        points: points.iter().map(|p| (p.t, p.value)).collect(),
    };
    if wants_csv(&req, q.format.as_deref())? {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(to_csv(&answer)));
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// What to read, within the caller's scope: a sensor outside it is unknown, and a group
/// query of a caller scoped to some districts must name one of them (one is taken as given).
fn scope_and_metric(
    state: &AppState,
    principal: &Principal,
    q: &Query,
) -> Result<(Scope, String, MetricIdx, String), ApiError> {
    let live = state.live();
    let city = live.city();
    let (scope, domain) = match (&q.sensor, &q.domain) {
        (Some(id), None) if q.district.is_none() => {
            let unknown = || ApiError::UnknownSensor(crate::model::truncate(id, 64));
            let (domain, district) = match city.sensor(id) {
                Some(s) => (s.domain, city.district(s.district).id.clone()),
                None => live
                    .sensor(id, 0)
                    .and_then(|d| Some((city.domain_idx(&d.summary.domain)?, d.summary.district)))
                    .ok_or_else(unknown)?,
            };
            if !principal.scope.allows(&city.domain(domain).name, &district) {
                return Err(unknown());
            }
            (Scope::Sensor(id.clone()), domain)
        }
        (None, Some(domain)) => {
            drop(live);
            let districts = &principal.scope.districts;
            let district = match (q.district.as_deref(), districts.len()) {
                (Some(d), _) => Some(d),
                (None, 0) => None,
                (None, 1) => districts.first().map(String::as_str),
                (None, _) => {
                    return Err(ApiError::InvalidQuery(format!(
                        "this key covers districts {}: add district=ID",
                        districts.iter().cloned().collect::<Vec<_>>().join(", ")
                    )))
                }
            };
            let (domain, district) = resolve(state, principal, Some(domain), district)?;
            let domain =
                domain.ok_or_else(|| ApiError::InvalidQuery("domain is required".into()))?;
            return finish(state, Scope::Group { domain, district }, domain, &q.metric);
        }
        _ => {
            return Err(ApiError::InvalidQuery(
                "give either sensor=ID, or domain=NAME with an optional district=ID".into(),
            ))
        }
    };
    drop(live);
    finish(state, scope, domain, &q.metric)
}

fn finish(
    state: &AppState,
    scope: Scope,
    domain: crate::model::DomainIdx,
    metric: &str,
) -> Result<(Scope, String, MetricIdx, String), ApiError> {
    let live = state.live();
    let city = live.city();
    let name = city.domain(domain).name.clone();
    let m = city.metric_idx(domain, metric).ok_or_else(|| {
        let known: Vec<&str> = city
            .domain(domain)
            .metrics
            .iter()
            .map(|m| city.metric(*m).name.as_str())
            .collect();
        ApiError::UnknownMetric(format!(
            "{name} has no metric {:?}; it has {}",
            crate::model::truncate(metric, 64),
            known.join(", ")
        ))
    })?;
    Ok((scope, name, m, city.metric(m).unit.clone()))
}

/// Unix milliseconds or RFC 3339.
fn parse_time(key: &str, v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>()
        .ok()
        .or_else(|| parse_rfc3339_ms(v))
        .ok_or_else(|| {
            ApiError::InvalidRange(format!(
                "{key} {:?} is neither unix milliseconds nor RFC 3339",
                crate::model::truncate(v, 40)
            ))
        })
}

/// `90` (seconds), `30s`, `5m`, `1h`, `1d`.
fn parse_step(v: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::InvalidQuery(format!(
            "step {:?} must be a duration such as 30s, 5m, 1h, 1d or a number of seconds",
            crate::model::truncate(v, 40)
        ))
    };
    let (num, unit_ms) = match v.char_indices().last() {
        Some((i, 's')) => (&v[..i], 1000),
        Some((i, 'm')) => (&v[..i], 60_000),
        Some((i, 'h')) => (&v[..i], 3_600_000),
        Some((i, 'd')) => (&v[..i], DAY_MS),
        _ => (v, 1000),
    };
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 || n > 3650 * DAY_MS / unit_ms {
        return Err(bad());
    }
    Ok(n * unit_ms)
}

fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::InvalidQuery(format!(
            "format {:?} is not csv or json",
            crate::model::truncate(other, 20)
        ))),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

fn to_csv(a: &Answer) -> String {
    let mut out = String::with_capacity(32 * a.points.len() + 32);
    out.push_str("timestamp_ms,value\n");
    for (t, v) in &a.points {
        out.push_str(&format!("{t},{v}\n"));
    }
    out
}
