use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Principal;
use crate::serve::error::ApiError;
use crate::serve::live::LiveView;
use crate::shell::now_ms;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    domain: Option<String>,
    district: Option<String>,
}

/// `GET /api/v1/indicators?domain=&district=`: window aggregates per domain, city-wide and per
/// district. A caller scoped to some districts gets those districts only, without the
/// city-wide aggregate (which would include the others).
pub(crate) async fn all(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let (domain, district) =
        live.resolve(&principal, q.domain.as_deref(), q.district.as_deref())?;
    let mut indicators = live.read().indicators(domain, district, now_ms());
    let scope = &principal.scope;
    indicators.domains.retain(|d, _| scope.allows_domain(d));
    if !scope.all_districts() {
        for d in indicators.domains.values_mut() {
            d.districts.retain(|id, _| scope.allows_district(id));
            d.city.clear();
            d.as_of = d
                .districts
                .values()
                .flat_map(|metrics| metrics.values().filter_map(|m| m.as_of))
                .max();
        }
    }
    Ok(HttpResponse::Ok().json(indicators))
}
