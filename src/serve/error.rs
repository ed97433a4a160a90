//! The one table of API errors: each has a stable snake_case `code` and an HTTP status, and
//! reaches clients as `{ "code", "message" }`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

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
            ApiError::TooManyConnections(_) => "too_many_connections",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::KeyNotFound(_) => "key_not_found",
            ApiError::InvalidConfig(_) => "invalid_config",
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
            | ApiError::WebSocketRequired(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::SensorNotFound(_)
            | ApiError::RouteNotFound { .. }
            | ApiError::KeyNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InvalidConfig(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::TooManyConnections(_) => StatusCode::SERVICE_UNAVAILABLE,
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
}
