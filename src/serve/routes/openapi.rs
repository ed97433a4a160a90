//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of this API (`serve/openapi/`).
//!
//! Its access is `Read`, not `Public`: docs/api.md names no public documentation route (only
//! health, readiness and the dashboard's static files go without a credential), and any role
//! can read it, so every developer holding a key gets it while an anonymous scan learns
//! nothing new about the deployment.

use actix_web::http::header::ContentType;
use actix_web::HttpResponse;

use crate::serve::error::ApiError;
use crate::serve::openapi;

/// The document, built once from the route table and its documentation.
pub(crate) async fn document() -> Result<HttpResponse, ApiError> {
    let body = openapi::document()?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}
