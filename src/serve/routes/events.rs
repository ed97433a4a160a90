//! `/api/v1/events`: post an event (idempotent by id), list and read them. Handlers read the
//! [`EventService`] through `blocking` (SQLite). The reporter's contact is shown to operators
//! and admins only.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Principal, Role};
use crate::events::{Arrival, Event, EventFilter, EventService, Kind, ReceiveError, Received};
use crate::model::truncate;
use crate::serve::blocking::blocking;
use crate::serve::error::{internal, ApiError};
use crate::serve::live::LiveView;
use crate::serve::page::{Cursor, Page};
use crate::shell::now_ms;

/// What `principal` may see of `e`.
fn shown(principal: &Principal, e: Event) -> Event {
    match principal.role {
        Role::Operator | Role::Admin => e,
        _ => e.without_contact(),
    }
}

/// `POST /api/v1/events`: a citizen report or a camera detection. 201 with the stored event
/// (and the incident a rule opened or joined); 200 with `duplicate: true` and the event as
/// first stored when its id was seen before. A scoped key reports only in its districts.
pub(crate) async fn post(
    service: web::Data<EventService>,
    principal: web::ReqData<Principal>,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = principal.into_inner();
    let service = service.into_inner();
    let scope = principal.scope.clone();
    let at = now_ms();
    let received = blocking(move || {
        let arrival = Arrival {
            topic_district: None,
            source: "http",
            received_ms: at,
        };
        let allowed = |d: &str| scope.allows_district(d);
        service
            .receive(&raw, arrival, &allowed)
            .map_err(|e| match e {
                ReceiveError::Invalid(v) => ApiError::InvalidEvent {
                    reason: v.code(),
                    message: v.to_string(),
                },
                ReceiveError::OutOfScope(d) => {
                    ApiError::Forbidden(format!("district {d:?} is outside this key's scope"))
                }
                ReceiveError::Repo(r) => internal(r),
            })
    })
    .await?;
    Ok(match received {
        Received::Stored(e) => HttpResponse::Created().json(shown(&principal, e)),
        Received::Duplicate(e) => HttpResponse::Ok().json(json!({
            "duplicate": true,
            "event": shown(&principal, e),
        })),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    kind: Option<String>,
    district: Option<String>,
    since: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    fn filter(&self, principal: &Principal, page: &Page) -> Result<EventFilter, ApiError> {
        let kind = self
            .kind
            .as_deref()
            .map(|k| {
                Kind::parse(k).ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "kind {:?} is not citizen_report or camera",
                        truncate(k, 32)
                    ))
                })
            })
            .transpose()?;
        let since_ms = self
            .since
            .as_deref()
            .map(|s| crate::serve::history::parse_time("since", s))
            .transpose()?;
        let before_seq = page.after_id()?;
        Ok(EventFilter {
            kind,
            district: self.district.clone(),
            within_districts: principal.scope.districts.iter().cloned().collect(),
            since_ms,
            before_seq,
            limit: u32::try_from(page.fetch()).unwrap_or(u32::MAX),
            ..EventFilter::default()
        })
    }
}

/// `GET /api/v1/events?kind=&district=&since=&limit=&cursor=`: newest received first.
pub(crate) async fn list(
    service: web::Data<EventService>,
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    live.resolve(&principal, None, q.district.as_deref())?;
    let page = Page::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let filter = q.filter(&principal, &page)?;
    let service = service.into_inner();
    let mut rows = blocking(move || service.list(&filter).map_err(internal)).await?;
    let next = page.finish(&mut rows, |(seq, _)| Cursor::Alert(*seq));
    let events: Vec<Event> = rows
        .into_iter()
        .map(|(_, e)| shown(&principal, e))
        .collect();
    Ok(crate::serve::page::answer("events", &events, next))
}

/// `GET /api/v1/events/{id}`.
pub(crate) async fn detail(
    service: web::Data<EventService>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let service = service.into_inner();
    let key = id.clone();
    let found = blocking(move || service.get(&key).map_err(internal)).await?;
    match found {
        Some(e) if principal.scope.allows_district(&e.district) => {
            Ok(HttpResponse::Ok().json(shown(&principal, e)))
        }
        _ => Err(ApiError::EventNotFound(truncate(&id, 128))),
    }
}
