//! `/api/v1/incidents`: list, detail with timeline, the procedures, the shift handover
//! (`mod.rs`), and the actions (`act.rs`). Handlers read the [`IncidentService`]; its tables are
//! SQLite, so every call runs through `blocking`. An incident outside the caller's scope is
//! answered exactly like one that does not exist.

mod act;
mod body;

pub(crate) use act::{assign, checklist, comment, create, from_alert, from_event, status};
pub(crate) use body::json;

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::alerts::{AlertFilter, AlertService, AlertState, StateFilter};
use crate::auth::Principal;
use crate::incidents::{Handover, Incident, IncidentFilter, IncidentService, Status};
use crate::model::truncate;
use crate::serve::blocking::blocking;
use crate::serve::error::{internal, ApiError};
use crate::serve::live::LiveView;
use crate::serve::page::{Cursor, Page};
use crate::shell::now_ms;

/// True when `inc` is inside the caller's scope.
pub(crate) fn visible(principal: &Principal, inc: &Incident) -> bool {
    principal.scope.allows(&inc.domain, &inc.district)
}

pub(super) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::IncidentNotFound(truncate(raw, 32)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    district: Option<String>,
    category: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn status_filter(s: Option<&str>) -> Result<Option<Option<Status>>, ApiError> {
    match s {
        None => Ok(None),
        Some("open") => Ok(Some(None)),
        Some(s) => Status::parse(s).map(|v| Some(Some(v))).ok_or_else(|| {
            ApiError::InvalidQuery(format!(
                "status {:?} is not one of open, new, assigned, in_progress, resolved, closed, cancelled",
                truncate(s, 32)
            ))
        }),
    }
}

/// `GET /api/v1/incidents?status=&district=&category=&limit=&cursor=`: newest first, within
/// the caller's scope, without timelines.
pub(crate) async fn list(
    service: web::Data<IncidentService>,
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    live.resolve(&principal, None, q.district.as_deref())?;
    let page = Page::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let before_id = page.after_id()?;
    let filter = IncidentFilter {
        status: status_filter(q.status.as_deref())?,
        district: q.district.clone(),
        category: q.category.clone(),
        within_districts: principal.scope.districts.iter().cloned().collect(),
        within_domains: principal.scope.domains.iter().cloned().collect(),
        before_id,
        limit: u32::try_from(page.fetch()).unwrap_or(u32::MAX),
        ..IncidentFilter::default()
    };
    let service = service.into_inner();
    let mut incidents = blocking(move || service.list(&filter).map_err(internal)).await?;
    let next = page.finish(&mut incidents, |i| Cursor::Alert(i.id));
    Ok(crate::serve::page::answer("incidents", &incidents, next))
}

/// `GET /api/v1/incidents/{id}`: the incident with its checklist and timeline.
pub(crate) async fn detail(
    service: web::Data<IncidentService>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let service = service.into_inner();
    let found = blocking(move || service.get(id).map_err(internal)).await?;
    match found {
        Some(inc) if visible(&principal, &inc) => Ok(HttpResponse::Ok().json(inc)),
        _ => Err(ApiError::IncidentNotFound(id.to_string())),
    }
}

/// `GET /api/v1/procedures`: the categories with their steps and service levels, and the
/// departments incidents are assigned to.
pub(crate) async fn procedures(service: web::Data<IncidentService>) -> HttpResponse {
    let p = service.procedures();
    let categories: Vec<_> = p
        .categories
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "title_vi": c.title_vi, "title_en": c.title_en, "domain": c.domain,
                "department": c.department,
                "assign_within_s": (c.assign_within_min * 60.0).round(),
                "resolve_within_s": (c.resolve_within_min * 60.0).round(),
                "steps": c.steps.iter().map(|s| json!({
                    "step": s.step, "text_vi": s.text_vi, "text_en": s.text_en, "optional": s.optional,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "categories": categories, "departments": p.departments }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandoverQuery {
    since: Option<String>,
}

/// Timeline entries one handover lists at most.
const HANDOVER_ACTIONS: usize = 2_000;

/// `GET /api/v1/handover?since=`: what opened since, what is still open, what breached its
/// service levels since and who did what; plus the alerts still firing unacknowledged.
/// `since`: RFC 3339 or unix ms; default 12 hours ago (one shift).
pub(crate) async fn handover(
    service: web::Data<IncidentService>,
    alerts: web::Data<AlertService>,
    principal: web::ReqData<Principal>,
    q: web::Query<HandoverQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = now_ms();
    let since = match q.since.as_deref() {
        None => now - 12 * 3_600_000,
        Some(s) => crate::serve::history::parse_time("since", s)?,
    };
    if since > now {
        return Err(ApiError::InvalidRange("since is in the future".into()));
    }
    let scope = principal.scope.clone();
    let service = service.into_inner();
    let mut h = blocking(move || read_handover(&service, since, now).map_err(internal)).await?;
    let seen = |i: &Incident| scope.allows(&i.domain, &i.district);
    h.opened.retain(seen);
    h.still_open.retain(seen);
    h.breached.retain(seen);
    if !scope.is_unrestricted() {
        let ids: std::collections::HashSet<i64> = h
            .still_open
            .iter()
            .chain(h.opened.iter())
            .map(|i| i.id)
            .collect();
        h.actions.retain(|d| ids.contains(&d.incident));
    }
    let firing = unacknowledged(&alerts, &principal).await?;
    Ok(HttpResponse::Ok().json(json!({ "handover": h, "unacknowledged_alerts": firing })))
}

fn read_handover(
    s: &Arc<IncidentService>,
    since: i64,
    now: i64,
) -> Result<Handover, crate::shell::RepoError> {
    let open = s.open_incidents()?;
    let opened = s.list(&IncidentFilter {
        opened_since: Some(since),
        limit: crate::incidents::MAX_OPEN,
        ..IncidentFilter::default()
    })?;
    let mut log = s.log_since(since, HANDOVER_ACTIONS + 1)?;
    let truncated = log.len() > HANDOVER_ACTIONS;
    log.truncate(HANDOVER_ACTIONS);
    Ok(Handover::build(since, now, open, opened, log, truncated))
}

async fn unacknowledged(
    alerts: &AlertService,
    principal: &Principal,
) -> Result<Vec<crate::alerts::Alert>, ApiError> {
    let filter = AlertFilter {
        state: Some(StateFilter::Is(AlertState::Firing)),
        within_domains: principal.scope.domains.iter().cloned().collect(),
        within_districts: principal.scope.districts.iter().cloned().collect(),
        ..AlertFilter::default()
    };
    alerts.list(&filter).await.map_err(internal)
}
