mod admin;
pub(crate) mod alerts;
mod city_indicators;
mod dashboard;
mod health;
mod indicators;
mod metrics;
mod rejections;
mod sensors;
mod series;
mod stream;

use actix_web::{web, HttpRequest};

use super::{ApiError, AppState};
use crate::auth::{Access, Principal};
use crate::model::{DistrictIdx, DomainIdx};

/// The WebSocket route: it may authenticate in its first message instead of a header.
pub(crate) const STREAM_ROUTE: &str = "/api/v1/stream";

/// What every route needs, by route template. The guard refuses a route missing here, and the
/// role × endpoint test walks this table.
pub const POLICY: &[(&str, Access)] = &[
    ("/healthz", Access::Public),
    ("/readyz", Access::Public),
    ("/", Access::Public),
    ("/ui/{file}", Access::Public),
    ("/metrics", Access::Operations),
    ("/api/v1/whoami", Access::Read),
    ("/api/v1/city", Access::Read),
    ("/api/v1/sensors", Access::Read),
    ("/api/v1/sensors/{id}", Access::Read),
    ("/api/v1/indicators", Access::Read),
    ("/api/v1/indicators/{domain}", Access::Read),
    ("/api/v1/kpi", Access::Read),
    ("/api/v1/sensor-health", Access::Read),
    ("/api/v1/series", Access::Read),
    (STREAM_ROUTE, Access::Read),
    ("/api/v1/alerts", Access::Read),
    ("/api/v1/alerts/{id}", Access::Read),
    ("/api/v1/alerts/{id}/ack", Access::Acknowledge),
    ("/api/v1/ingest/rejections", Access::Operations),
    ("/api/v1/admin/keys", Access::Admin),
    ("/api/v1/admin/keys/{id}", Access::Admin),
    ("/api/v1/admin/audit", Access::Admin),
    ("/api/v1/admin/reload", Access::Admin),
];

pub(crate) fn access_of(pattern: &str) -> Option<Access> {
    POLICY.iter().find(|(p, _)| *p == pattern).map(|(_, a)| *a)
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|err, _| ApiError::InvalidQuery(err.to_string()).into()),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::metrics))
    .route("/", web::get().to(dashboard::index))
    .route("/ui/{file}", web::get().to(dashboard::asset))
    .service(
        web::scope("/api/v1")
            .route("/whoami", web::get().to(admin::whoami))
            .route("/city", web::get().to(dashboard::city))
            .route("/sensors", web::get().to(sensors::list))
            .route("/sensors/{id}", web::get().to(sensors::detail))
            .route("/indicators", web::get().to(indicators::all))
            .route(
                "/indicators/{domain}",
                web::get().to(city_indicators::domain),
            )
            .route("/kpi", web::get().to(city_indicators::summary))
            .route("/sensor-health", web::get().to(city_indicators::health))
            .route("/series", web::get().to(series::series))
            .route("/stream", web::get().to(stream::stream))
            .route("/ingest/rejections", web::get().to(rejections::recent))
            .configure(alerts::configure)
            .configure(admin::configure),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: crate::model::truncate(req.path(), 200),
    })
}

pub(super) fn json_error(err: actix_web::error::JsonPayloadError) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { max: limit }.into()
        }
        other => ApiError::InvalidBody(other.to_string()).into(),
    }
}

/// Resolves optional `domain` / `district` query values against the city registry, as the
/// caller sees it: a name outside its scope is answered exactly like an unknown one, and the
/// list of known domains names only those in scope.
pub(super) fn resolve(
    state: &AppState,
    principal: &Principal,
    domain: Option<&str>,
    district: Option<&str>,
) -> Result<(Option<DomainIdx>, Option<DistrictIdx>), ApiError> {
    let live = state.live();
    let city = live.city();
    let scope = &principal.scope;
    let domain = domain
        .map(|d| {
            city.domain_idx(d)
                .filter(|_| scope.allows_domain(d))
                .ok_or_else(|| {
                    let known: Vec<&str> = city
                        .domains
                        .iter()
                        .map(|x| x.name.as_str())
                        .filter(|n| scope.allows_domain(n))
                        .collect();
                    ApiError::UnknownDomain(crate::model::truncate(d, 64), known.join(", "))
                })
        })
        .transpose()?;
    let district = district
        .map(|d| {
            city.district_idx(d)
                .filter(|_| scope.allows_district(d))
                .ok_or_else(|| ApiError::UnknownDistrict(crate::model::truncate(d, 64)))
        })
        .transpose()?;
    Ok((domain, district))
}
