//! The handlers, one file per resource. Each parses the request, calls the one service it
//! needs (from its own `web::Data`), and maps the answer. Which route reaches which handler,
//! and what each needs of its caller, is the table in `serve/table.rs`.

pub(crate) mod admin;
pub(crate) mod alerts;
pub(crate) mod cap;
pub(crate) mod city_indicators;
pub(crate) mod dashboard;
pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod incidents;
pub(crate) mod indicators;
pub(crate) mod metrics;
pub(crate) mod ngsi;
pub(crate) mod openapi;
pub(crate) mod rejections;
pub(crate) mod reports;
pub(crate) mod sensors;
pub(crate) mod series;
pub(crate) mod stream;

use actix_web::HttpRequest;

use super::error::ApiError;

/// Every request no route matched.
pub(crate) async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: crate::model::truncate(req.path(), 200),
    })
}
