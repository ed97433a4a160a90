use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::serve::AppState;

/// Liveness: the process answers.
pub(super) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness, per dependency: 200 when every one is up, else 503 with the reason.
pub(super) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let broker = state.broker.borrow().clone();
    let store = state.store.clone();
    let store_check = web::block(move || store.check()).await;
    let store_error = match store_check {
        Ok(Ok(())) if state.metrics.store.sync_failed.get() == 1 => Some(
            "an fsync of the store failed; nothing more is acknowledged: restart ioc".to_owned(),
        ),
        Ok(Ok(())) if state.metrics.store.up.get() == 1 => None,
        Ok(Ok(())) => Some("the last write failed; ingest is paused and retrying".to_owned()),
        Ok(Err(e)) => Some(e.to_string()),
        Err(e) => Some(e.to_string()),
    };
    let ready = broker.up && store_error.is_none();
    let check = |up: bool, error: Option<String>| -> Value {
        json!({ "status": if up { "up" } else { "down" }, "error": error })
    };
    let mut broker_check = check(broker.up, broker.error);
    broker_check["since"] = json!(broker.since);
    let mut body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "broker": broker_check, "store": check(store_error.is_none(), store_error) },
        "warnings": [],
    });
    if let Some(export) = &state.export {
        let status = export.borrow().clone();
        let outbox = state.store.outbox_stats();
        let fill = outbox.lines as f64 / outbox.max_lines.max(1) as f64;
        // Export trouble never makes ioc unready: ingest and the API work without it.
        body["checks"]["export"] = json!({
            "status": if status.error.is_none() { "up" } else { "down" },
            "error": status.error,
            "last_success": status.last_success,
            "outbox_lines": outbox.lines,
            "outbox_max_lines": outbox.max_lines,
            "outbox_dropped_lines": outbox.dropped,
        });
        if fill >= state.warn_outbox_fill {
            body["warnings"] = json!([format!("export outbox is {:.0}% full ({} of {} lines); InfluxDB has not accepted writes since {:?}", fill * 100.0, outbox.lines, outbox.max_lines, status.last_success)]);
        }
    }
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
