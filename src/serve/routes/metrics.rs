use actix_web::{web, HttpResponse};

use crate::serve::error::ApiError;
use crate::telemetry::Metrics;

/// `GET /metrics`: every Prometheus metric, in the text format.
pub(crate) async fn metrics(metrics: web::Data<Metrics>) -> Result<HttpResponse, ApiError> {
    let text = metrics
        .render()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
