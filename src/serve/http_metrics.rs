//! Counts every request by route *template* (`/api/v1/sensors/{id}`), never the raw path.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::telemetry::Metrics;

pub(super) async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let started = Instant::now();
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let (route, status) = match &res {
            Ok(r) => (
                r.request()
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".into()),
                r.status(),
            ),
            Err(e) => ("unmatched".into(), e.as_response_error().status_code()),
        };
        metrics
            .http
            .requests
            .with_label_values(&[route.as_str(), method, status.as_str()])
            .inc();
        metrics
            .http
            .request_seconds
            .with_label_values(&[route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    res
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
