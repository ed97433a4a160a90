//! The error answers of an operation: its own codes plus those its access brings, grouped by
//! HTTP status, each status and code read from the one error table (`serve/error.rs`), so
//! the document cannot drift from what the server answers.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::ResponseError;
use serde_json::{json, Map, Value};

use super::schema;
use crate::auth::Access;
use crate::serve::error::ApiError;

/// One error of each code, for its status. A code missing here is refused by the builder
/// when a route names it.
fn samples() -> Vec<ApiError> {
    let text = String::new;
    vec![
        ApiError::InvalidQuery(text()),
        ApiError::UnknownDomain(text(), text()),
        ApiError::UnknownDistrict(text()),
        ApiError::SensorNotFound(text()),
        ApiError::UnknownSensor(text()),
        ApiError::UnknownMetric(text()),
        ApiError::InvalidRange(text()),
        ApiError::TooManyPoints(text()),
        ApiError::RouteNotFound {
            method: text(),
            path: text(),
        },
        ApiError::Internal(text()),
        ApiError::Upstream(text()),
        ApiError::WebSocketRequired(text()),
        ApiError::TooManyConnections(0),
        ApiError::Unauthorized(text()),
        ApiError::Forbidden(text()),
        ApiError::RateLimited {
            by: "",
            wait: Duration::ZERO,
        },
        ApiError::PayloadTooLarge { max: 0 },
        ApiError::InvalidBody(text()),
        ApiError::KeyNotFound(text()),
        ApiError::InvalidConfig(text()),
        ApiError::AlertNotFound(text()),
        ApiError::ReportNotFound(text()),
        ApiError::NotOwned(text()),
        ApiError::AlertResolved(text()),
        ApiError::AlertAlreadyAcknowledged(text()),
        ApiError::AlertNotFiring(text()),
        ApiError::IncidentNotFound(text()),
        ApiError::IncidentConflict(text()),
        ApiError::EventNotFound(text()),
        ApiError::InvalidEvent {
            reason: "",
            message: text(),
        },
    ]
}

/// The HTTP status of `code`; `None` for a code the error table does not have.
pub(super) fn status_of(code: &str) -> Option<u16> {
    samples()
        .iter()
        .find(|e| e.code() == code)
        .map(|e| e.status_code().as_u16())
}

/// What every route of this access may answer whatever it does: the guard's refusals (the
/// per-IP rate limit applies to public routes too) and, past authentication, a failing
/// key store.
pub(super) fn common(access: Access, has_query: bool, has_body: bool) -> Vec<&'static str> {
    let mut codes = vec!["rate_limited"];
    if access != Access::Public {
        codes.extend(["unauthorized", "forbidden", "internal"]);
    }
    if has_query {
        // Every query is parsed strictly: an unknown parameter is refused.
        codes.push("invalid_query");
    }
    if has_body {
        codes.extend(["invalid_body", "payload_too_large"]);
    }
    codes
}

/// `responses` entries for these codes, one per status: its codes listed, its body the
/// `Error` schema narrowed to them. Unknown codes are returned as the error.
pub(super) fn responses(codes: &[&str]) -> Result<Map<String, Value>, Vec<String>> {
    let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for code in codes {
        match status_of(code) {
            Some(status) => {
                let list = by_status.entry(status).or_default();
                if !list.contains(code) {
                    list.push(code);
                }
            }
            None => unknown.push((*code).to_owned()),
        }
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(by_status
        .into_iter()
        .map(|(status, codes)| (status.to_string(), response(status, &codes)))
        .collect())
}

fn response(status: u16, codes: &[&str]) -> Value {
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let mut res = json!({
        "description": listed.join(", "),
        "content": { "application/json": { "schema": {
            "allOf": [
                schema::named("Error"),
                { "properties": { "code": { "enum": codes } } },
            ],
        } } },
    });
    let header = match status {
        401 => Some((
            "WWW-Authenticate",
            "`Bearer realm=\"ioc\"`: send `Authorization: Bearer <token>`",
        )),
        429 => Some(("Retry-After", "whole seconds to wait")),
        _ => None,
    };
    if let Some((name, description)) = header {
        res["headers"] =
            json!({ name: { "description": description, "schema": schema::string() } });
    }
    res
}
