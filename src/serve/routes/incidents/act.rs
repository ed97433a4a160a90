//! The incident actions: open (by hand, from an alert, from an event), assign, comment, move
//! status, tick a step. Each is recorded as the authenticated caller and answered with the
//! incident as it now is.

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use super::body::{self, Assign, Comment, Create, SetStatus, Tick};
use super::{parse_id, visible};
use crate::alerts::AlertService;
use crate::auth::{AuditRecord, Auth, Principal};
use crate::events::EventService;
use crate::incidents::{Action, Incident, IncidentService, Link, NewIncident};
use crate::serve::blocking::blocking;
use crate::serve::error::{internal, ApiError};
use crate::serve::live::LiveView;
use crate::shell::now_ms;

/// Records the incident's latest timeline entry in the audit log as `incident.{kind}`, as the
/// caller alone (the timeline keeps the same entry with the incident).
async fn audited(auth: web::Data<Auth>, actor: &str, inc: &Incident) -> Result<(), ApiError> {
    let Some(entry) = inc.timeline.last().cloned() else {
        return Ok(());
    };
    let (actor, id, auth) = (actor.to_owned(), inc.id.to_string(), auth.into_inner());
    blocking(move || {
        auth.audit(&AuditRecord {
            at_ms: entry.at_ms,
            actor: &actor,
            action: &format!("incident.{}", entry.kind.as_str()),
            target: &id,
            detail: &entry.detail,
        })
        .map_err(internal)
    })
    .await
}

/// 201 with a new incident (audited), 200 with the one the alert or event already belongs to.
async fn opened(
    auth: web::Data<Auth>,
    actor: &str,
    inc: Incident,
    new: bool,
) -> Result<HttpResponse, ApiError> {
    if !new {
        return Ok(HttpResponse::Ok().json(inc));
    }
    audited(auth, actor, &inc).await?;
    Ok(HttpResponse::Created().json(inc))
}

/// Refuses to open an incident of `category` the caller could not then see.
fn in_scope(
    service: &IncidentService,
    principal: &Principal,
    category: &str,
    district: &str,
) -> Result<(), ApiError> {
    let Some(c) = service.procedures().category(category) else {
        return Err(ApiError::InvalidBody(format!(
            "unknown category {:?}; known categories: {}",
            crate::model::truncate(category, 64),
            service.procedures().category_ids()
        )));
    };
    if !principal.scope.allows(&c.domain, district) {
        return Err(ApiError::Forbidden(format!(
            "category {category} in district {district} is outside this key's scope ({})",
            principal.scope
        )));
    }
    Ok(())
}

/// `POST /api/v1/incidents` with `{"title", "category", "severity", "district", "lat"?,
/// "lon"?, "description"?}`: 201 with the new incident, status `new`.
pub(crate) async fn create(
    service: web::Data<IncidentService>,
    live: web::Data<LiveView>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    body: web::Json<Create>,
) -> Result<HttpResponse, ApiError> {
    let checked = body.check()?;
    live.resolve(&principal, None, Some(&body.district))?;
    in_scope(&service, &principal, &body.category, &body.district)?;
    let body = body.into_inner();
    let new = NewIncident {
        title: checked.title,
        category: body.category,
        severity: checked.severity,
        district: body.district,
        lat: checked.point.0,
        lon: checked.point.1,
        description: checked.description,
    };
    let by = principal.id.clone();
    let service = service.into_inner();
    let (inc, new) = blocking(move || Ok(service.open(new, &by, Link::None, now_ms())?)).await?;
    opened(auth, &principal.id, inc, new).await
}

/// `POST /api/v1/alerts/{id}/incident` with `{"title"?, "category"?}`: 201 with a new
/// incident linked to the alert, of the category its rule or signal maps to; 200 with the
/// incident the alert already belongs to.
pub(crate) async fn from_alert(
    service: web::Data<IncidentService>,
    alerts: web::Data<AlertService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let alert_id = crate::serve::routes::alerts::parse_id(&id)?;
    let alert = match alerts.get(alert_id).await.map_err(internal)? {
        Some(d) if crate::serve::routes::alerts::visible(&principal, &d.alert) => d.alert,
        _ => return Err(ApiError::AlertNotFound(alert_id.to_string())),
    };
    let Some(district) = alert.district.clone() else {
        return Err(ApiError::IncidentConflict(format!(
            "alert {alert_id} is city-wide; open an incident by hand in the district concerned"
        )));
    };
    let from: body::From = body::optional(&raw)?;
    let p = service.procedures();
    let category = from
        .category
        .unwrap_or_else(|| p.for_alert(&alert.rule_id, &alert.signal).to_owned());
    in_scope(&service, &principal, &category, &district)?;
    let title = match from.title {
        Some(t) => body::text("title", &t, 200, false)?,
        None => alert.title.clone(),
    };
    let new = NewIncident {
        title,
        category,
        severity: alert.severity,
        district,
        lat: None,
        lon: None,
        description: format!("{} = {} ({})", alert.signal, alert.value, alert.subject),
    };
    let by = principal.id.clone();
    let service = service.into_inner();
    let (inc, new) =
        blocking(move || Ok(service.open(new, &by, Link::Alert(alert_id), now_ms())?)).await?;
    opened(auth, &principal.id, inc, new).await
}

/// `POST /api/v1/events/{id}/incident` with `{"title"?, "category"?}`: like
/// [`from_alert`], for an event.
pub(crate) async fn from_event(
    service: web::Data<IncidentService>,
    events: web::Data<EventService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let events = events.into_inner();
    let key = event_id.clone();
    let event = blocking(move || events.get(&key).map_err(internal))
        .await?
        .filter(|e| principal.scope.allows_district(&e.district))
        .ok_or_else(|| ApiError::EventNotFound(crate::model::truncate(&event_id, 128)))?;
    let from: body::From = body::optional(&raw)?;
    let p = service.procedures();
    let category = from
        .category
        .unwrap_or_else(|| p.for_event(event.what()).to_owned());
    in_scope(&service, &principal, &category, &event.district)?;
    let title = match from.title {
        Some(t) => body::text("title", &t, 200, false)?,
        None => format!("{}: {}", event.kind.as_str(), event.what()),
    };
    let new = NewIncident {
        title,
        category,
        severity: crate::alerts::Severity::Minor,
        district: event.district.clone(),
        lat: Some(event.lat),
        lon: Some(event.lon),
        description: event.description.clone(),
    };
    let by = principal.id.clone();
    let service = service.into_inner();
    let (inc, new) =
        blocking(move || Ok(service.open(new, &by, Link::Event(event.id), now_ms())?)).await?;
    opened(auth, &principal.id, inc, new).await
}

/// Runs `action` on incident `id` for the caller; answers the incident as it now is.
async fn run(
    service: web::Data<IncidentService>,
    auth: web::Data<Auth>,
    principal: Principal,
    id: &str,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(id)?;
    let service: Arc<IncidentService> = service.into_inner();
    let actor = principal.id.clone();
    let inc = blocking(move || {
        let seen = |i: &Incident| visible(&principal, i);
        Ok(service.act(id, action, &principal.id, &seen, now_ms())?)
    })
    .await?;
    audited(auth, &actor, &inc).await?;
    Ok(HttpResponse::Ok().json(inc))
}

/// `POST /api/v1/incidents/{id}/assign` with `{"assignee"}`: a department id. Operators and
/// admins only (the route's access): a department works what it is given.
pub(crate) async fn assign(
    service: web::Data<IncidentService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    body: web::Json<Assign>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal.into_inner();
    let who = body::text("assignee", &body.assignee, 64, false)?;
    run(service, auth, principal, &id, Action::Assign(who)).await
}

/// `POST /api/v1/incidents/{id}/comment` with `{"text"}`.
pub(crate) async fn comment(
    service: web::Data<IncidentService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    body: web::Json<Comment>,
) -> Result<HttpResponse, ApiError> {
    let text = body.check()?;
    run(
        service,
        auth,
        principal.into_inner(),
        &id,
        Action::Comment(text),
    )
    .await
}

/// `POST /api/v1/incidents/{id}/status` with `{"status"}`.
pub(crate) async fn status(
    service: web::Data<IncidentService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    body: web::Json<SetStatus>,
) -> Result<HttpResponse, ApiError> {
    let to = body.check()?;
    run(
        service,
        auth,
        principal.into_inner(),
        &id,
        Action::Status(to),
    )
    .await
}

/// `POST /api/v1/incidents/{id}/checklist/{step}`, body empty or `{"done": false}` to untick.
pub(crate) async fn checklist(
    service: web::Data<IncidentService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    path: web::Path<(String, String)>,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let tick: Tick = body::optional(&raw)?;
    let (id, step) = path.into_inner();
    let action = Action::Tick {
        step,
        done: tick.done,
    };
    run(service, auth, principal.into_inner(), &id, action).await
}
