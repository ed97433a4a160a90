pub(crate) mod admin;
pub(crate) mod alerts;
pub(crate) mod city_indicators;
pub(crate) mod dashboard;
pub(crate) mod health;
pub(crate) mod indicators;
pub(crate) mod metrics;
pub(crate) mod rejections;
pub(crate) mod sensors;
pub(crate) mod series;
pub(crate) mod stream;

use actix_web::{web, HttpRequest};

use super::error::ApiError;
use crate::auth::Access;

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
            .route("/admin/keys", web::get().to(admin::list_keys))
            .route("/admin/keys", web::post().to(admin::create_key))
            .route("/admin/keys/{id}", web::delete().to(admin::revoke_key))
            .route("/admin/audit", web::get().to(admin::audit))
            .route("/admin/reload", web::post().to(admin::reload)),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: crate::model::truncate(req.path(), 200),
    })
}
