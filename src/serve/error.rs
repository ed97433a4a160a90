//! The one table of API errors: each has a stable snake_case `code` and an HTTP status, and
//! reaches clients as `{ "code", "message" }`. Every route answers its errors from here,
//! the alert routes included.

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::alerts::AckError;
use crate::auth::AuthError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidQuery(String),
    #[error("unknown domain {0:?}; known domains: {1}")]
    UnknownDomain(String, String),
    #[error("unknown district {0:?}")]
    UnknownDistrict(String),
    #[error("no sensor {0:?} has been registered or seen")]
    SensorNotFound(String),
    #[error("unknown sensor {0:?}: it is neither registered nor ever seen")]
    UnknownSensor(String),
    #[error("{0}")]
    UnknownMetric(String),
    #[error("{0}")]
    InvalidRange(String),
    #[error("{0}")]
    TooManyPoints(String),
    #[error("no route {method} {path}; see docs/api.md")]
    RouteNotFound { method: String, path: String },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    Upstream(String),
    #[error("expected a WebSocket upgrade request: {0}")]
    WebSocketRequired(String),
    #[error("{0} WebSocket connections are open (push.max_connections); try again later")]
    TooManyConnections(usize),
    /// Unauthenticated upgrades beyond `push.max_pending` or `push.max_pending_per_ip`.
    #[error("{0}")]
    TooManyPending(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests {by}; retry after {} s", retry_after_s(*.wait))]
    RateLimited {
        by: &'static str,
        wait: std::time::Duration,
    },
    #[error("request body larger than {max} bytes (http.max_body_bytes)")]
    PayloadTooLarge { max: usize },
    #[error("{0}")]
    InvalidBody(String),
    #[error("no active API key {0:?}")]
    KeyNotFound(String),
    #[error("{0}")]
    InvalidConfig(String),
    #[error("no alert {0:?}")]
    AlertNotFound(String),
    #[error("{0}")]
    ReportNotFound(String),
    /// On a partition: a district (or a sensor of one) another partition owns.
    #[error("district {0:?} is owned by another partition of this cluster, whose store holds its history: ask a node that owns it (docs/scaling.md)")]
    NotOwned(String),
    #[error("{0}")]
    AlertResolved(String),
    #[error("{0}")]
    AlertAlreadyAcknowledged(String),
    #[error("{0}")]
    AlertNotFiring(String),
    #[error("no incident {0:?}")]
    IncidentNotFound(String),
    /// An incident action its status, checklist or assignee does not allow.
    #[error("{0}")]
    IncidentConflict(String),
    #[error("no event {0:?}")]
    EventNotFound(String),
    /// An event that failed validation: `reason` is the validator's stable code.
    #[error("{reason}: {message}")]
    InvalidEvent {
        reason: &'static str,
        message: String,
    },
    /// An acknowledgement body over its own 16 KiB limit (not `http.max_body_bytes`, so the
    /// message names no setting).
    #[error("request body is larger than {0} bytes")]
    AckTooLarge(usize),
}

/// Whole seconds to wait, at least 1 (what `Retry-After` carries).
fn retry_after_s(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: String,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::UnknownDomain(..) => "unknown_domain",
            ApiError::UnknownDistrict(_) => "unknown_district",
            ApiError::SensorNotFound(_) => "sensor_not_found",
            ApiError::UnknownSensor(_) => "unknown_sensor",
            ApiError::UnknownMetric(_) => "unknown_metric",
            ApiError::InvalidRange(_) => "invalid_range",
            ApiError::TooManyPoints(_) => "too_many_points",
            ApiError::RouteNotFound { .. } => "route_not_found",
            ApiError::Internal(_) => "internal",
            ApiError::Upstream(_) => "upstream_unavailable",
            ApiError::WebSocketRequired(_) => "websocket_required",
            ApiError::TooManyConnections(_) | ApiError::TooManyPending(_) => "too_many_connections",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::KeyNotFound(_) => "key_not_found",
            ApiError::InvalidConfig(_) => "invalid_config",
            ApiError::AlertNotFound(_) => "alert_not_found",
            ApiError::ReportNotFound(_) => "report_not_found",
            ApiError::NotOwned(_) => "not_owned",
            ApiError::AlertResolved(_) => "alert_resolved",
            ApiError::AlertAlreadyAcknowledged(_) => "alert_already_acknowledged",
            ApiError::AlertNotFiring(_) => "alert_not_firing",
            ApiError::AckTooLarge(_) => "payload_too_large",
            ApiError::IncidentNotFound(_) => "incident_not_found",
            ApiError::IncidentConflict(_) => "incident_conflict",
            ApiError::EventNotFound(_) => "event_not_found",
            ApiError::InvalidEvent { .. } => "invalid_event",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidQuery(_)
            | ApiError::UnknownDomain(..)
            | ApiError::UnknownDistrict(_)
            | ApiError::UnknownSensor(_)
            | ApiError::UnknownMetric(_)
            | ApiError::InvalidRange(_)
            | ApiError::TooManyPoints(_)
            | ApiError::InvalidBody(_)
            | ApiError::InvalidEvent { .. }
            | ApiError::WebSocketRequired(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge { .. } | ApiError::AckTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::SensorNotFound(_)
            | ApiError::RouteNotFound { .. }
            | ApiError::KeyNotFound(_)
            | ApiError::AlertNotFound(_)
            | ApiError::ReportNotFound(_)
            | ApiError::IncidentNotFound(_)
            | ApiError::EventNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::AlertResolved(_)
            | ApiError::NotOwned(_)
            | ApiError::AlertAlreadyAcknowledged(_)
            | ApiError::AlertNotFiring(_)
            | ApiError::IncidentConflict(_) => StatusCode::CONFLICT,
            ApiError::InvalidConfig(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::TooManyConnections(_) | ApiError::TooManyPending(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header(("WWW-Authenticate", "Bearer realm=\"ioc\""));
            }
            ApiError::RateLimited { wait, .. } => {
                res.insert_header(("Retry-After", retry_after_s(*wait).to_string()));
            }
            _ => {}
        }
        res.json(Body {
            code: self.code(),
            message: self.to_string(),
        })
    }
}

impl ApiError {
    /// A failed credential check or key operation: the caller's fault is a 401, the server's
    /// (storage, randomness) a 500.
    pub fn from_auth(e: AuthError) -> ApiError {
        match e {
            AuthError::Storage(_) | AuthError::Random(_) => ApiError::Internal(e.to_string()),
            other => ApiError::Unauthorized(other.to_string()),
        }
    }

    /// An error of work moved off the executor (it panicked or was cancelled).
    pub fn from_blocking(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

/// A failure of the server's own (storage, a task): `500 internal`, saying what failed.
pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

impl From<AckError> for ApiError {
    fn from(e: AckError) -> Self {
        let message = e.to_string();
        match e {
            AckError::NotFound(id) => ApiError::AlertNotFound(id.to_string()),
            AckError::AlreadyResolved(_) => ApiError::AlertResolved(message),
            AckError::AlreadyAcknowledged { .. } => ApiError::AlertAlreadyAcknowledged(message),
            AckError::Pending(_) => ApiError::AlertNotFiring(message),
            AckError::Storage(_) => ApiError::Internal(message),
            AckError::Unconfirmed(_) => ApiError::Upstream(message),
        }
    }
}

impl From<crate::incidents::IncidentError> for ApiError {
    fn from(e: crate::incidents::IncidentError) -> Self {
        let message = e.to_string();
        match e.code() {
            "incident_not_found" => ApiError::IncidentNotFound(match e {
                crate::incidents::IncidentError::NotFound(id) => id,
                _ => message,
            }),
            "invalid_body" => ApiError::InvalidBody(message),
            "incident_conflict" => ApiError::IncidentConflict(message),
            "upstream_unavailable" => ApiError::Upstream(message),
            _ => ApiError::Internal(message),
        }
    }
}

/// A JSON body the app-wide `JsonConfig` refused: too large for `http.max_body_bytes`, or not
/// the expected JSON.
pub(crate) fn json_error(err: JsonPayloadError) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { max: limit }.into()
        }
        other => ApiError::InvalidBody(other.to_string()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_s(Duration::ZERO), 1);
        assert_eq!(retry_after_s(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_s(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_s(Duration::from_millis(2001)), 3);
    }

    /// The alert routes' errors, folded into this table, read exactly as they did.
    #[test]
    fn alert_errors_keep_their_codes_statuses_and_messages() {
        let cases = [
            (
                ApiError::AlertNotFound("7".into()),
                404,
                "alert_not_found",
                "no alert \"7\"",
            ),
            (
                ApiError::AlertResolved("m".into()),
                409,
                "alert_resolved",
                "m",
            ),
            (
                ApiError::AlertAlreadyAcknowledged("m".into()),
                409,
                "alert_already_acknowledged",
                "m",
            ),
            (
                ApiError::AlertNotFiring("m".into()),
                409,
                "alert_not_firing",
                "m",
            ),
            (
                ApiError::AckTooLarge(16384),
                413,
                "payload_too_large",
                "request body is larger than 16384 bytes",
            ),
        ];
        for (e, status, code, message) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{code}");
            assert_eq!(e.code(), code);
            assert_eq!(e.to_string(), message);
        }
    }
}
