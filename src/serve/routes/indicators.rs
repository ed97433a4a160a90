use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::resolve;
use crate::model::now_ms;
use crate::serve::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Query {
    domain: Option<String>,
    district: Option<String>,
}

/// `GET /api/v1/indicators?domain=&district=`: window aggregates per domain, city-wide and per district.
pub(super) async fn all(
    state: web::Data<AppState>,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let (domain, district) = resolve(&state, q.domain.as_deref(), q.district.as_deref())?;
    let indicators = state.live().indicators(domain, district, now_ms());
    Ok(HttpResponse::Ok().json(indicators))
}
