use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::serve::AppState;

/// Liveness: the process answers.
pub(super) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness, per dependency: 200 when every one is up, else 503 with the reason.
pub(super) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let broker = state.broker.borrow().clone();
    let ready = broker.up;
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "broker": { "status": if broker.up { "up" } else { "down" }, "since": broker.since, "error": broker.error } },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
