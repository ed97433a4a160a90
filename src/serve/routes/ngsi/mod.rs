//! Read-only NGSI-LD for the province's platform (`/ngsi-ld/v1/…`): the sensors as Smart Data
//! Models entities (`crate::ngsi`), from the live state's newest values, and their history
//! from the history service. The same keys and scopes as the API: an entity outside the
//! caller's scope is absent from lists and answered like an unknown one.
//!
//! Cost: a list reads the caller's sensors of one type from the live state, building an entity
//! per sensor only when `q=` must be evaluated, else only for the page. A temporal request is
//! one history read per measured attribute, each capped like `/api/v1/series`.

mod problem;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use problem::Problem;

use crate::auth::Principal;
use crate::model::{parse_rfc3339_ms, City, Sensor};
use crate::ngsi::{self, city_slug, parse_id, EntityType, Form, Query};
use crate::serve::history::{HistoryService, SeriesRequest};
use crate::serve::live::LiveView;
use crate::shell::now_ms;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 1000;
const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
    options: Option<String>,
    count: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntityQuery {
    options: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TemporalQuery {
    timerel: Option<String>,
    time_at: Option<String>,
    end_time_at: Option<String>,
    last_n: Option<usize>,
    options: Option<String>,
}

/// `GET /ngsi-ld/v1/entities?type=&q=&limit=&offset=&options=keyValues&count=true`
pub(crate) async fn entities(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let Some(name) = q.kind.as_deref() else {
        return Err(Problem::bad("give type=, one of AirQualityObserved, TrafficFlowObserved, FloodMonitoring, QueueMonitor"));
    };
    let Some(t) = EntityType::parse(name) else {
        return Err(Problem::bad(format!("type {:?} is not one this server publishes: AirQualityObserved, TrafficFlowObserved, FloodMonitoring, QueueMonitor", crate::model::truncate(name, 64))));
    };
    let query =
        q.q.as_deref()
            .map(Query::parse)
            .transpose()
            .map_err(|e| Problem::invalid(e.to_string()))?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Problem::bad(format!("limit must be 1 to {MAX_LIMIT}")));
    }
    let form = form(q.options.as_deref())?;
    let ld = wants_ld(&req);
    let state = live.read();
    let city = state.city();
    let slug = city_slug(&city.name);
    let now = now_ms();
    let latest = |s: &Sensor| {
        state
            .sensor(&s.id, now)
            .map(|d| d.latest)
            .unwrap_or_default()
    };
    let render = |s: &Sensor, form: Form, ctx: bool| {
        let district = &city.district(s.district).name;
        ngsi::entity(t, &slug, s, district, &latest(s), form, ctx)
    };
    // An Observed entity needs an observation (`dateObserved` is required): sensors that
    // never reported are left out.
    let mine = city.sensors.iter().filter(|s| {
        EntityType::of(city, s) == Some(t)
            && visible(&principal, city, s)
            && state.has_values(&s.id)
    });
    let matching: Vec<&Sensor> = match &query {
        Some(query) => mine
            .filter(|s| query.matches(&render(s, Form::KeyValues, false)))
            .collect(),
        None => mine.collect(),
    };
    let page: Vec<Value> = matching
        .iter()
        .skip(q.offset.unwrap_or(0))
        .take(limit)
        .map(|s| render(s, form, ld))
        .collect();
    let mut answer = respond(ld, t);
    if q.count == Some(true) {
        answer.insert_header(("NGSILD-Results-Count", matching.len().to_string()));
    }
    Ok(answer.json(page))
}

/// `GET /ngsi-ld/v1/entities/{id}?options=keyValues`
pub(crate) async fn entity(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    q: web::Query<EntityQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form(q.options.as_deref())?;
    let ld = wants_ld(&req);
    let state = live.read();
    let city = state.city();
    let slug = city_slug(&city.name);
    let Some((t, sensor)) = find(city, &slug, &principal, &id) else {
        return Err(not_found(&id));
    };
    let latest = state
        .sensor(&sensor.id, now_ms())
        .map(|d| d.latest)
        .unwrap_or_default();
    if latest.is_empty() {
        let why = format!(
            "{} has not reported yet, so there is no observation to serve",
            sensor.id
        );
        return Err(Problem::not_found(why));
    }
    let district = &city.district(sensor.district).name;
    let body = ngsi::entity(t, &slug, sensor, district, &latest, form, ld);
    Ok(respond(ld, t).json(body))
}

/// `GET /ngsi-ld/v1/temporal/entities/{id}?timerel=before|after|between&timeAt=&endTimeAt=&lastN=&options=temporalValues`
pub(crate) async fn temporal(
    live: web::Data<LiveView>,
    history: web::Data<HistoryService>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    q: web::Query<TemporalQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let form = match q.options.as_deref() {
        None => Form::Normalized,
        Some("temporalValues") => Form::KeyValues,
        Some(other) => {
            return Err(Problem::bad(format!(
                "options {:?} is not supported here; use temporalValues or leave it out",
                crate::model::truncate(other, 40)
            )))
        }
    };
    let (from, to) = match window(&q, now_ms()) {
        Ok(w) => w,
        Err(why) => return Err(Problem::bad(why)),
    };
    let ld = wants_ld(&req);
    let (slug, t, sensor) = {
        let state = live.read();
        let city = state.city();
        let slug = city_slug(&city.name);
        match find(city, &slug, &principal, &id) {
            Some((t, s)) => (slug, t, s.id.to_string()),
            None => return Err(not_found(&id)),
        }
    };
    let mut series = Vec::new();
    for (metric, _, _) in ngsi::measured(t) {
        let request = SeriesRequest {
            sensor: Some(sensor.clone()),
            domain: None,
            district: None,
            metric: Some(metric.to_owned()),
            indicator: None,
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            step: None,
            agg: None,
            tz: None,
        };
        let mut points = history
            .series(&principal, request)
            .await
            .map_err(Problem::from)?
            .points;
        if let Some(n) = q.last_n {
            points.drain(..points.len().saturating_sub(n));
        }
        series.push((metric.to_owned(), points));
    }
    let body = ngsi::temporal(t, &slug, &sensor, &series, form, ld);
    Ok(respond(ld, t).json(body))
}

/// `timerel` as a window: `after` runs to now, `before` covers the day before `timeAt`, and
/// without `timerel` the last day.
fn window(q: &TemporalQuery, now: i64) -> Result<(i64, i64), String> {
    let at = |key: &str, v: Option<&String>| -> Result<i64, String> {
        let v = v.ok_or_else(|| format!("timerel needs {key}"))?;
        parse_rfc3339_ms(v).ok_or_else(|| {
            format!(
                "{key} {:?} is not an RFC 3339 time",
                crate::model::truncate(v, 40)
            )
        })
    };
    let (from, to) = match q.timerel.as_deref() {
        None => (now - DAY_MS, now),
        Some("after") => (at("timeAt", q.time_at.as_ref())?, now),
        Some("before") => {
            let t = at("timeAt", q.time_at.as_ref())?;
            (t - DAY_MS, t)
        }
        Some("between") => (
            at("timeAt", q.time_at.as_ref())?,
            at("endTimeAt", q.end_time_at.as_ref())?,
        ),
        Some(other) => {
            return Err(format!(
                "timerel {:?} is not before, after or between",
                crate::model::truncate(other, 20)
            ))
        }
    };
    if from >= to {
        return Err("the time window is empty: its start is not before its end".into());
    }
    Ok((from, to))
}

/// The registered sensor an entity id names, when the caller may see it.
fn find<'c>(
    city: &'c City,
    slug: &str,
    principal: &Principal,
    id: &str,
) -> Option<(EntityType, &'c Sensor)> {
    let (t, sensor) = parse_id(id, slug)?;
    let sensor = city.sensor(sensor)?;
    (EntityType::of(city, sensor) == Some(t) && visible(principal, city, sensor))
        .then_some((t, sensor))
}

fn visible(principal: &Principal, city: &City, s: &Sensor) -> bool {
    let domain = &city.domain(s.domain).name;
    principal
        .scope
        .allows(domain, &city.district(s.district).id)
}

fn form(options: Option<&str>) -> Result<Form, Problem> {
    match options {
        None | Some("normalized") => Ok(Form::Normalized),
        Some("keyValues") | Some("simplified") => Ok(Form::KeyValues),
        Some(other) => Err(Problem::bad(format!(
            "options {:?} is not supported here; use keyValues, simplified or normalized",
            crate::model::truncate(other, 40)
        ))),
    }
}

/// Whether the caller accepts JSON-LD: then `@context` is in the body, else in a `Link`
/// header.
fn wants_ld(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/ld+json"))
}

fn respond(ld: bool, t: EntityType) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    if ld {
        r.content_type("application/ld+json");
    } else {
        r.insert_header((
            header::LINK,
            format!(
                "<{}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"",
                t.context()
            ),
        ));
    }
    r
}

fn not_found(id: &str) -> Problem {
    Problem::not_found(format!(
        "no entity {:?} here (ids are urn:ngsi-ld:{{Type}}:{{city}}:{{sensor_id}}; a sensor outside your key's scope is not found either)",
        crate::model::truncate(id, 120)
    ))
}
