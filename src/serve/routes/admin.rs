//! `/api/v1/whoami` and the admin routes: API keys, the audit log, reloading alert rules.
//! Every key change and reload is written to the audit log with the caller's id. Key and
//! audit work is SQLite: it runs through `blocking`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Auth, AuthError, Principal, Role};
use crate::model::truncate;
use crate::serve::blocking::blocking;
use crate::serve::error::ApiError;
use crate::serve::reload::RuleReloader;
use crate::shell::now_ms;

const MAX_AUDIT: u32 = 1000;

/// `GET /api/v1/whoami`: the caller's id, role and scope (the dashboard shows them).
pub(crate) async fn whoami(principal: web::ReqData<Principal>) -> HttpResponse {
    HttpResponse::Ok().json(principal.into_inner())
}

/// `GET /api/v1/admin/keys`
pub(crate) async fn list_keys(auth: web::Data<Auth>) -> Result<HttpResponse, ApiError> {
    let keys = blocking(move || auth.list_keys().map_err(ApiError::from_auth)).await?;
    Ok(HttpResponse::Ok().json(json!({ "count": keys.len(), "keys": keys })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKey {
    role: String,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    label: String,
}

/// `POST /api/v1/admin/keys` with `{ "role", "scope": ["domain:…", "district:…"], "label" }`:
/// the answer carries the token, shown this once.
pub(crate) async fn create_key(
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    body: web::Json<NewKey>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "role {:?} is not one of viewer, operator, department, admin",
            truncate(&body.role, 32)
        ))
    })?;
    let actor = principal.into_inner().id;
    let created = blocking(move || {
        let scope: Vec<&str> = body.scope.iter().map(String::as_str).collect();
        auth.create_key(&actor, role, &scope, &body.label, now_ms())
            .map_err(|e| match e {
                AuthError::Scope(_) | AuthError::InvalidKey(_) => {
                    ApiError::InvalidBody(e.to_string())
                }
                other => ApiError::from_auth(other),
            })
    })
    .await?;
    // The token is shown this once: no cache (browser, proxy) may keep a copy.
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({ "key": created.info, "token": created.token })))
}

/// `DELETE /api/v1/admin/keys/{id}`: revokes at once; the key's next request is a 401.
pub(crate) async fn revoke_key(
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (actor, id) = (principal.into_inner().id, id.into_inner());
    let key = id.clone();
    let revoked = blocking(move || {
        auth.revoke_key(&actor, &key, now_ms())
            .map_err(ApiError::from_auth)
    })
    .await?;
    if revoked {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::KeyNotFound(truncate(&id, 64)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    action: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/admin/audit?action=&limit=`: newest first.
pub(crate) async fn audit(
    auth: web::Data<Auth>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let AuditQuery { action, limit } = q.into_inner();
    let limit = limit.unwrap_or(200);
    if !(1..=MAX_AUDIT).contains(&limit) {
        return Err(ApiError::InvalidQuery(format!(
            "limit {limit} is not within 1..={MAX_AUDIT}"
        )));
    }
    let entries = blocking(move || {
        auth.audit_log(action.as_deref(), limit)
            .map_err(ApiError::from_auth)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "count": entries.len(), "entries": entries })))
}

/// `POST /api/v1/admin/reload`: re-reads the alert rules (`alerts.rules_path`). A file that
/// does not parse is refused with its error and the running rules stay.
pub(crate) async fn reload(
    reloader: web::Data<RuleReloader>,
    principal: web::ReqData<Principal>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.into_inner().id;
    let done = reloader.into_inner().reload(actor).await?;
    Ok(HttpResponse::Ok().json(json!({ "rules": done.rules, "changes": done.changes })))
}
