//! `/alerts`: list, detail with history, acknowledge. Mounted by the caller under `/api/v1`;
//! handlers read the [`AlertService`] from `web::Data<Arc<AlertService>>`. Errors are
//! `{ "code", "message" }` from [`AlertApiError`], the table of this resource's codes.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::alerts::{AckError, AlertFilter, AlertService, Severity, StateFilter};
use crate::model::{now_ms, truncate};

/// Most alerts one listing returns.
const MAX_LIMIT: u32 = 1000;

/// Registers `GET /alerts`, `GET /alerts/{id}` and `POST /alerts/{id}/ack` (in a scope of
/// their own, so their query and body error handlers do not touch sibling routes).
// Remove the `allow` once `routes::configure` mounts these routes (issue 4 wiring).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/alerts")
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|err, _| AlertApiError::InvalidQuery(err.to_string()).into()),
            )
            .app_data(
                web::JsonConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|err, _| AlertApiError::InvalidBody(err.to_string()).into()),
            )
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
        })
    }
}

/// `GET /api/v1/alerts?state=&severity=&domain=&limit=`
async fn list(
    service: web::Data<Arc<AlertService>>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AlertApiError> {
    let filter = q.filter()?;
    let alerts = service.list(&filter).map_err(internal)?;
    Ok(HttpResponse::Ok().json(json!({ "count": alerts.len(), "alerts": alerts })))
}

/// `GET /api/v1/alerts/{id}`: the alert with its history.
async fn detail(
    service: web::Data<Arc<AlertService>>,
    id: web::Path<String>,
) -> Result<HttpResponse, AlertApiError> {
    let id = parse_id(&id)?;
    match service.get(id).map_err(internal)? {
        Some(d) => Ok(HttpResponse::Ok().json(d)),
        None => Err(AlertApiError::NotFound(id.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckBody {
    by: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/alerts/{id}/ack` with `{ "by": "…", "comment": "…" }`.
async fn acknowledge(
    service: web::Data<Arc<AlertService>>,
    id: web::Path<String>,
    body: web::Json<AckBody>,
) -> Result<HttpResponse, AlertApiError> {
    let id = parse_id(&id)?;
    let by = body.by.trim();
    if by.is_empty() || by.chars().count() > 64 {
        return Err(AlertApiError::InvalidBody(
            "`by` names who acknowledges: 1 to 64 characters".into(),
        ));
    }
    if body.comment.chars().count() > 1000 {
        return Err(AlertApiError::InvalidBody(
            "`comment` is at most 1000 characters".into(),
        ));
    }
    let alert = service.acknowledge(id, by, &body.comment, now_ms())?;
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
mod tests {
    use actix_web::{test, App};
    use serde_json::Value;

    use super::*;
    use crate::alerts::{AlertRepo, Observation, RuleSet, Subject};

    const RULES: &str = r#"
[[rules]]
id = "pm25-high"
signal = "pm25"
severity = "major"
kind = "threshold"
direction = "above"
raise = 150
clear = 120
"#;

    /// A service with one firing alert (id 1, returned) in a temp dir.
    fn service(dir: &tempfile::TempDir) -> (Arc<AlertService>, i64) {
        let repo = AlertRepo::open(&dir.path().join("ioc.db")).expect("repo");
        let rules = RuleSet::parse(RULES).expect("rules");
        let svc = AlertService::open(rules, repo, now_ms()).expect("service");
        let obs = Observation {
            subject: Subject::sensor("aq-0001"),
            domain: "environment".into(),
            district: Some("hai-chau".into()),
            sensor: Some("aq-0001".into()),
            signal: "pm25".into(),
            value: 151.0,
            ts_ms: now_ms(),
        };
        let id = svc.observe(&obs, now_ms()).expect("observe")[1].alert.id;
        (Arc::new(svc), id)
    }

    macro_rules! app {
        ($svc:expr) => {
            test::init_service(
                App::new()
                    .app_data(web::Data::new($svc.clone()))
                    .service(web::scope("/api/v1").configure(configure)),
            )
            .await
        };
    }

    /// Sends a request; the status and the JSON body.
    macro_rules! call {
        ($app:expr, $req:expr) => {{
            let resp = test::call_service(&$app, $req.to_request()).await;
            let status = resp.status();
            let body: Value = test::read_body_json(resp).await;
            (status, body)
        }};
    }

    fn ack(id: &str, body: Value) -> test::TestRequest {
        test::TestRequest::post()
            .uri(&format!("/api/v1/alerts/{id}/ack"))
            .set_json(body)
    }

    #[actix_web::test]
    async fn listing_returns_alerts_and_filters_by_state_severity_and_domain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, id) = service(&dir);
        let app = app!(svc);
        let get = |q: &str| test::TestRequest::get().uri(&format!("/api/v1/alerts{q}"));
        let (status, body) = call!(app, get(""));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["count"], 1);
        assert_eq!(body["alerts"][0]["id"], id);
        assert_eq!(body["alerts"][0]["state"], "firing");
        assert_eq!(body["alerts"][0]["subject"], "sensor:aq-0001");
        let (_, body) = call!(app, get("?state=open&severity=major&domain=environment"));
        assert_eq!(body["count"], 1);
        let (_, body) = call!(app, get("?state=resolved"));
        assert_eq!(body["count"], 0);
    }

    #[actix_web::test]
    async fn bad_query_values_are_clear_400s() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, _) = service(&dir);
        let app = app!(svc);
        for q in [
            "?state=burning",
            "?severity=urgent",
            "?limit=0",
            "?colour=red",
            "?limit=x",
        ] {
            let req = test::TestRequest::get().uri(&format!("/api/v1/alerts{q}"));
            let (status, body) = call!(app, req);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
            assert_eq!(body["code"], "invalid_query", "{q}: {body}");
        }
    }

    #[actix_web::test]
    async fn an_alert_is_shown_with_its_history_and_an_unknown_id_is_a_404() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, id) = service(&dir);
        let app = app!(svc);
        let req = test::TestRequest::get().uri(&format!("/api/v1/alerts/{id}"));
        let (status, body) = call!(app, req);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["rule_id"], "pm25-high");
        assert_eq!(body["history"][0]["kind"], "pending");
        assert_eq!(body["history"][1]["kind"], "firing");
        for missing in ["999", "abc", "-1"] {
            let req = test::TestRequest::get().uri(&format!("/api/v1/alerts/{missing}"));
            let (status, body) = call!(app, req);
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(body["code"], "alert_not_found");
        }
    }

    #[actix_web::test]
    async fn acknowledging_records_who_and_a_second_ack_is_a_409() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, id) = service(&dir);
        let app = app!(svc);
        let body = serde_json::json!({ "by": "lan.nguyen", "comment": "crew sent" });
        let (status, resp) = call!(app, ack(&id.to_string(), body.clone()));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(resp["state"], "acknowledged");
        assert_eq!(resp["acknowledged"]["by"], "lan.nguyen");
        assert_eq!(resp["acknowledged"]["comment"], "crew sent");

        let (status, resp) = call!(app, ack(&id.to_string(), body.clone()));
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(resp["code"], "alert_already_acknowledged");
        let (status, resp) = call!(app, ack("999", body));
        assert_eq!(
            (status, resp["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("alert_not_found"))
        );
    }

    #[actix_web::test]
    async fn acknowledging_a_resolved_alert_is_a_409() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, id) = service(&dir);
        let clear = Observation {
            subject: Subject::sensor("aq-0001"),
            domain: "environment".into(),
            district: Some("hai-chau".into()),
            sensor: Some("aq-0001".into()),
            signal: "pm25".into(),
            value: 100.0,
            ts_ms: now_ms(),
        };
        svc.observe(&clear, now_ms()).expect("observe");
        let app = app!(svc);
        let req = ack(&id.to_string(), serde_json::json!({ "by": "lan" }));
        let (status, resp) = call!(app, req);
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(resp["code"], "alert_resolved");
    }

    #[actix_web::test]
    async fn an_invalid_ack_body_is_a_clear_400() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (svc, id) = service(&dir);
        let app = app!(svc);
        let id = id.to_string();
        let long = "x".repeat(1001);
        for body in [
            serde_json::json!({ "by": "" }),
            serde_json::json!({ "by": "y".repeat(65) }),
            serde_json::json!({ "by": "lan", "comment": long }),
            serde_json::json!({ "comment": "who?" }),
            serde_json::json!({ "by": "lan", "extra": 1 }),
        ] {
            let (status, resp) = call!(app, ack(&id, body.clone()));
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(resp["code"], "invalid_body", "{body}: {resp}");
        }
        let raw = test::TestRequest::post()
            .uri(&format!("/api/v1/alerts/{id}/ack"))
            .insert_header(("content-type", "application/json"))
            .set_payload("{not json");
        let (status, resp) = call!(app, raw);
        assert_eq!(
            (status, resp["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_body"))
        );
    }
}
