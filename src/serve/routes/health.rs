//! `GET /healthz` (the process answers) and `GET /readyz` (every dependency is up).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::serve::readiness::Readiness;

/// Liveness: the process answers.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness, per dependency: 200 when every one is up, else 503 with the reason.
pub(crate) async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    match readiness.report().await {
        (true, body) => HttpResponse::Ok().json(body),
        (false, body) => HttpResponse::ServiceUnavailable().json(body),
    }
}
