//! `/alerts`: list, detail with history, acknowledge. Mounted by the caller under `/api/v1`;
//! handlers read the [`AlertService`] from `web::Data<Arc<AlertService>>`. Errors are
//! `{ "code", "message" }` from [`AlertApiError`], the table of this resource's codes.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::alerts::{AckError, Alert, AlertFilter, AlertService, Severity, StateFilter};
use crate::auth::{AuditRecord, Auth, Principal};
use crate::model::truncate;
use crate::shell::now_ms;

/// Most alerts one listing returns.
const MAX_LIMIT: u32 = 1000;

/// Registers `GET /alerts`, `GET /alerts/{id}` and `POST /alerts/{id}/ack` (in a scope of
/// their own, so their query and body error handlers do not touch sibling routes).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/alerts")
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|err, _| AlertApiError::InvalidQuery(err.to_string()).into()),
            )
            .app_data(web::JsonConfig::default().limit(16 * 1024).error_handler(
                |err, _| match err {
                    actix_web::error::JsonPayloadError::Overflow { limit }
                    | actix_web::error::JsonPayloadError::OverflowKnownLength { limit, .. } => {
                        AlertApiError::TooLarge(limit).into()
                    }
                    other => AlertApiError::InvalidBody(other.to_string()).into(),
                },
            ))
            .route("", web::get().to(list))
            .route("/{id}", web::get().to(detail))
            .route("/{id}/ack", web::post().to(acknowledge)),
    );
}

/// Every error of the alert routes, with a stable snake_case `code` and an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AlertApiError {
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("no alert {0:?}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyResolved(String),
    #[error("{0}")]
    AlreadyAcknowledged(String),
    #[error("{0}")]
    NotFiring(String),
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: String,
}

impl AlertApiError {
    pub fn code(&self) -> &'static str {
        match self {
            AlertApiError::InvalidQuery(_) => "invalid_query",
            AlertApiError::InvalidBody(_) => "invalid_body",
            AlertApiError::NotFound(_) => "alert_not_found",
            AlertApiError::AlreadyResolved(_) => "alert_resolved",
            AlertApiError::AlreadyAcknowledged(_) => "alert_already_acknowledged",
            AlertApiError::NotFiring(_) => "alert_not_firing",
            AlertApiError::TooLarge(_) => "payload_too_large",
            AlertApiError::Internal(_) => "internal",
        }
    }
}

impl ResponseError for AlertApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            AlertApiError::InvalidQuery(_) | AlertApiError::InvalidBody(_) => {
                StatusCode::BAD_REQUEST
            }
            AlertApiError::NotFound(_) => StatusCode::NOT_FOUND,
            AlertApiError::AlreadyResolved(_)
            | AlertApiError::AlreadyAcknowledged(_)
            | AlertApiError::NotFiring(_) => StatusCode::CONFLICT,
            AlertApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AlertApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(Body {
            code: self.code(),
            message: self.to_string(),
        })
    }
}

impl From<AckError> for AlertApiError {
    fn from(e: AckError) -> Self {
        let message = e.to_string();
        match e {
            AckError::NotFound(id) => AlertApiError::NotFound(id.to_string()),
            AckError::AlreadyResolved(_) => AlertApiError::AlreadyResolved(message),
            AckError::AlreadyAcknowledged { .. } => AlertApiError::AlreadyAcknowledged(message),
            AckError::Pending(_) => AlertApiError::NotFiring(message),
            AckError::Storage(_) => AlertApiError::Internal(message),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> AlertApiError {
    AlertApiError::Internal(e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    severity: Option<String>,
    domain: Option<String>,
    limit: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> Result<AlertFilter, AlertApiError> {
        let bad = |key: &str, v: &str, allowed: &str| {
            AlertApiError::InvalidQuery(format!(
                "{key} {:?} is not one of {allowed}",
                truncate(v, 64)
            ))
        };
        let state = self
            .state
            .as_deref()
            .map(|s| {
                StateFilter::parse(s)
                    .ok_or_else(|| bad("state", s, "open, pending, firing, acknowledged, resolved"))
            })
            .transpose()?;
        let severity = self
            .severity
            .as_deref()
            .map(|s| {
                Severity::parse(s)
                    .ok_or_else(|| bad("severity", s, "critical, major, minor, warning"))
            })
            .transpose()?;
        let limit = self.limit.unwrap_or(AlertFilter::DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AlertApiError::InvalidQuery(format!(
                "limit {limit} is not within 1..={MAX_LIMIT}"
            )));
        }
        Ok(AlertFilter {
            state,
            severity,
            domain: self.domain.clone(),
            limit,
            ..AlertFilter::default()
        })
    }
}

/// True when `alert` is inside the caller's scope (city-wide alerts need every district).
pub(crate) fn visible(principal: &Principal, alert: &Alert) -> bool {
    principal
        .scope
        .allows_area(&alert.domain, alert.district.as_deref())
}

/// `GET /api/v1/alerts?state=&severity=&domain=&limit=`: within the caller's scope.
async fn list(
    service: web::Data<Arc<AlertService>>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AlertApiError> {
    let mut filter = q.filter()?;
    filter.within_domains = principal.scope.domains.iter().cloned().collect();
    filter.within_districts = principal.scope.districts.iter().cloned().collect();
    let alerts = service.list(&filter).await.map_err(internal)?;
    Ok(HttpResponse::Ok().json(json!({ "count": alerts.len(), "alerts": alerts })))
}

/// `GET /api/v1/alerts/{id}`: the alert with its history.
/// An alert outside the caller's scope is answered exactly like one that does not exist.
async fn detail(
    service: web::Data<Arc<AlertService>>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, AlertApiError> {
    let id = parse_id(&id)?;
    match service.get(id).await.map_err(internal)? {
        Some(d) if visible(&principal, &d.alert) => Ok(HttpResponse::Ok().json(d)),
        _ => Err(AlertApiError::NotFound(id.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckBody {
    /// The person at a shared console, recorded next to the authenticated caller.
    #[serde(default)]
    by: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/alerts/{id}/ack` with `{ "comment": "…", "by": "…" }` (both optional). The
/// acknowledgement is recorded as the authenticated caller (plus `by`, when given) and goes
/// to the audit log.
async fn acknowledge(
    service: web::Data<Arc<AlertService>>,
    auth: web::Data<Arc<Auth>>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    body: web::Json<AckBody>,
) -> Result<HttpResponse, AlertApiError> {
    let id = parse_id(&id)?;
    let by = body.by.trim();
    if by.chars().count() > 64 {
        return Err(AlertApiError::InvalidBody(
            "`by` names who acknowledges: at most 64 characters".into(),
        ));
    }
    if body.comment.chars().count() > 1000 {
        return Err(AlertApiError::InvalidBody(
            "`comment` is at most 1000 characters".into(),
        ));
    }
    match service.get(id).await.map_err(internal)? {
        Some(d) if visible(&principal, &d.alert) => {}
        _ => return Err(AlertApiError::NotFound(id.to_string())),
    }
    let who = match by {
        "" => principal.id.clone(),
        person => format!("{} ({person})", principal.id),
    };
    let now = now_ms();
    let alert = service.acknowledge(id, &who, &body.comment, now).await?;
    let detail = format!(
        "rule={} subject={} comment={:?}",
        alert.rule_id, alert.subject, body.comment
    );
    auth.audit(&AuditRecord {
        at_ms: now,
        actor: &who,
        action: "alert.ack",
        target: &id.to_string(),
        detail: &detail,
    })
    .map_err(internal)?;
    Ok(HttpResponse::Ok().json(alert))
}

/// Ids are positive integers; anything else names no alert.
fn parse_id(raw: &str) -> Result<i64, AlertApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AlertApiError::NotFound(truncate(raw, 64)))
}

#[cfg(test)]
mod tests;
