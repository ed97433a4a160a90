//! `/api/v1/whoami` and the admin routes: API keys, the audit log, reloading alert rules.
//! Every key change and reload is written to the audit log with the caller's id.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::alerts::RuleSet;
use crate::auth::{AuditRecord, Principal, Role};
use crate::model::truncate;
use crate::serve::guard::auth_error;
use crate::serve::{ApiError, AppState};
use crate::shell::now_ms;

const MAX_AUDIT: u32 = 1000;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/keys", web::get().to(list_keys))
        .route("/admin/keys", web::post().to(create_key))
        .route("/admin/keys/{id}", web::delete().to(revoke_key))
        .route("/admin/audit", web::get().to(audit))
        .route("/admin/reload", web::post().to(reload));
}

/// `GET /api/v1/whoami`: the caller's id, role and scope (the dashboard shows them).
pub(super) async fn whoami(principal: web::ReqData<Principal>) -> HttpResponse {
    HttpResponse::Ok().json(principal.into_inner())
}

async fn list_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.auth.list_keys().map_err(auth_error)?;
    Ok(HttpResponse::Ok().json(json!({ "count": keys.len(), "keys": keys })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    role: String,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    label: String,
}

/// `POST /api/v1/admin/keys` with `{ "role", "scope": ["domain:…", "district:…"], "label" }`:
/// the answer carries the token, shown this once.
async fn create_key(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    body: web::Json<NewKey>,
) -> Result<HttpResponse, ApiError> {
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "role {:?} is not one of viewer, operator, department, admin",
            truncate(&body.role, 32)
        ))
    })?;
    let scope: Vec<&str> = body.scope.iter().map(String::as_str).collect();
    let created = state
        .auth
        .create_key(&principal.id, role, &scope, &body.label, now_ms())
        .map_err(|e| match e {
            crate::auth::AuthError::Scope(_) | crate::auth::AuthError::InvalidKey(_) => {
                ApiError::InvalidBody(e.to_string())
            }
            other => auth_error(other),
        })?;
    Ok(HttpResponse::Created().json(json!({ "key": created.info, "token": created.token })))
}

/// `DELETE /api/v1/admin/keys/{id}`: revokes at once; the key's next request is a 401.
async fn revoke_key(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let revoked = state
        .auth
        .revoke_key(&principal.id, &id, now_ms())
        .map_err(auth_error)?;
    if revoked {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::KeyNotFound(truncate(&id, 64)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    action: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/admin/audit?action=&limit=`: newest first.
async fn audit(
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=MAX_AUDIT).contains(&limit) {
        return Err(ApiError::InvalidQuery(format!(
            "limit {limit} is not within 1..={MAX_AUDIT}"
        )));
    }
    let entries = state
        .auth
        .audit_log(q.action.as_deref(), limit)
        .map_err(auth_error)?;
    Ok(HttpResponse::Ok().json(json!({ "count": entries.len(), "entries": entries })))
}

/// `POST /api/v1/admin/reload`: re-reads the alert rules (`alerts.rules_path`). A file that
/// does not parse is refused with its error and the running rules stay.
async fn reload(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
) -> Result<HttpResponse, ApiError> {
    let path = state.alert_rules_path.trim().to_owned();
    let rules = match path.as_str() {
        "" => RuleSet::builtin(),
        p => RuleSet::load(std::path::Path::new(p)),
    }
    .map_err(|e| {
        ApiError::InvalidConfig(format!("{e} (alerts.rules_path); the running rules stay"))
    })?;
    let now = now_ms();
    let changes = state
        .alerts
        .reload_rules(rules, now)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let count = state.alerts.rule_count();
    let detail = format!("rules={count} resolved={}", changes.len());
    state
        .auth
        .audit(&AuditRecord {
            at_ms: now,
            actor: &principal.id,
            action: "config.reload",
            target: if path.is_empty() { "builtin" } else { &path },
            detail: &detail,
        })
        .map_err(auth_error)?;
    Ok(HttpResponse::Ok().json(json!({ "rules": count, "changes": changes.len() })))
}
