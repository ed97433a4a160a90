use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::aggregate::{SensorFilter, SensorStatus};
use crate::auth::Principal;
use crate::serve::error::ApiError;
use crate::serve::live::LiveView;
use crate::serve::page::Page;
use crate::shell::now_ms;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    domain: Option<String>,
    district: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/sensors?domain=&district=&status=&limit=&cursor=`: one page, in the
/// listing's stable order (docs/api.md), with the `next_cursor` to resume after it.
pub(crate) async fn list(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (domain, district) =
        live.resolve(&principal, q.domain.as_deref(), q.district.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            SensorStatus::parse(s).ok_or_else(|| {
                ApiError::InvalidQuery(format!(
                    "status {s:?} is not one of online, late, offline, never_seen"
                ))
            })
        })
        .transpose()?;
    let page = Page::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let filter = SensorFilter {
        domain,
        district,
        status,
    };
    let (sensors, next) = live.sensor_page(&principal, filter, &page)?;
    Ok(crate::serve::page::answer("sensors", &sensors, next))
}

/// `GET /api/v1/sensors/{id}`; a sensor outside the caller's scope is answered like an
/// unknown one.
pub(crate) async fn detail(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = live.read().sensor(&id, now_ms());
    detail
        .filter(|d| {
            principal
                .scope
                .allows(&d.summary.domain, &d.summary.district)
        })
        .map(|d| HttpResponse::Ok().json(d))
        .ok_or_else(|| ApiError::SensorNotFound(crate::model::truncate(&id, 64)))
}
