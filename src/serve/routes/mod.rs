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
use crate::model::{DistrictIdx, DomainIdx};

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
            .configure(alerts::configure),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: crate::model::truncate(req.path(), 200),
    })
}

/// Resolves optional `domain` / `district` query values against the city registry.
pub(super) fn resolve(
    state: &AppState,
    domain: Option<&str>,
    district: Option<&str>,
) -> Result<(Option<DomainIdx>, Option<DistrictIdx>), ApiError> {
    let live = state.live();
    let city = live.city();
    let domain = domain
        .map(|d| {
            city.domain_idx(d).ok_or_else(|| {
                ApiError::UnknownDomain(crate::model::truncate(d, 64), city.domain_names())
            })
        })
        .transpose()?;
    let district = district
        .map(|d| {
            city.district_idx(d)
                .ok_or_else(|| ApiError::UnknownDistrict(crate::model::truncate(d, 64)))
        })
        .transpose()?;
    Ok((domain, district))
}
