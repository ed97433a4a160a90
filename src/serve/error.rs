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
            | ApiError::WebSocketRequired(_) => StatusCode::BAD_REQUEST,
            ApiError::SensorNotFound(_) | ApiError::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::TooManyConnections(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(Body {
            code: self.code(),
            message: self.to_string(),
        })
    }
}
