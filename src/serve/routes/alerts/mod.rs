//! `/api/v1/alerts`: list, detail with history, acknowledge. Handlers read the
//! [`AlertService`] from `web::Data<AlertService>`; its history is SQLite, so every call runs
//! through `blocking`. Errors come from the one table, `serve/error.rs`.

use actix_web::error::JsonPayloadError;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::alerts::{Alert, AlertFilter, AlertService, Severity, StateFilter};
use crate::auth::{AuditRecord, Auth, Principal};
use crate::model::{char_name, forbidden_char, truncate};
use crate::serve::blocking::blocking;
use crate::serve::error::{internal, ApiError};
use crate::serve::live::LiveView;
use crate::serve::page::{Cursor, Page};
use crate::shell::now_ms;

/// Largest acknowledgement body.
const ACK_MAX_BYTES: usize = 16 * 1024;

/// The acknowledgement's body settings: a 16 KiB limit of its own (a comment and a name need
/// no more), answered from the one error table.
pub(crate) fn ack_json() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(ACK_MAX_BYTES)
        .error_handler(|err, _| match err {
            JsonPayloadError::Overflow { limit }
            | JsonPayloadError::OverflowKnownLength { limit, .. } => {
                ApiError::AckTooLarge(limit).into()
            }
            other => ApiError::InvalidBody(other.to_string()).into(),
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    state: Option<String>,
    severity: Option<String>,
    domain: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    /// The filter, for one page: `page.fetch()` alerts below the cursor's id.
    fn filter(&self, page: &Page) -> Result<AlertFilter, ApiError> {
        let bad = |key: &str, v: &str, allowed: &str| {
            ApiError::InvalidQuery(format!(
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
        let before_id = page.after_id()?;
        Ok(AlertFilter {
            state,
            severity,
            domain: self.domain.clone(),
            before_id,
            // The page is at most 5,001 rows (page::MAX_LIMIT + 1).
            limit: u32::try_from(page.fetch()).unwrap_or(u32::MAX),
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

/// `GET /api/v1/alerts?state=&severity=&domain=&limit=&cursor=`: one page within the
/// caller's scope, newest (highest id) first, with the `next_cursor` to resume after it. A
/// `domain` the caller does not know is `unknown_domain`, as on every other route, rather
/// than an empty list that reads as "no alerts".
pub(crate) async fn list(
    service: web::Data<AlertService>,
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    live.resolve(&principal, q.domain.as_deref(), None)?;
    let page = Page::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let mut filter = q.filter(&page)?;
    filter.within_domains = principal.scope.domains.iter().cloned().collect();
    filter.within_districts = principal.scope.districts.iter().cloned().collect();
    let mut alerts = service.list(&filter).await.map_err(internal)?;
    let next = page.finish(&mut alerts, |a| Cursor::Alert(a.id));
    Ok(crate::serve::page::answer("alerts", &alerts, next))
}

/// `GET /api/v1/alerts/{id}`: the alert with its history.
/// An alert outside the caller's scope is answered exactly like one that does not exist.
pub(crate) async fn detail(
    service: web::Data<AlertService>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    match service.get(id).await.map_err(internal)? {
        Some(d) if visible(&principal, &d.alert) => Ok(HttpResponse::Ok().json(d)),
        _ => Err(ApiError::AlertNotFound(id.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AckBody {
    /// The person at a shared console, recorded next to the authenticated caller.
    #[serde(default)]
    by: String,
    #[serde(default)]
    comment: String,
}

impl AckBody {
    /// Who acknowledges: the caller, plus `by` when given; refuses over-long fields and
    /// characters that would make the record read other than it is. `by` may not hold
    /// parentheses, so `<caller> (<by>)` always splits at its last " (" into the
    /// authenticated caller and the typed name.
    fn who(&self, principal: &Principal) -> Result<String, ApiError> {
        let by = self.by.trim();
        if by.chars().count() > 64 {
            return Err(ApiError::InvalidBody(
                "`by` names who acknowledges: at most 64 characters".into(),
            ));
        }
        if let Some(c) = forbidden_char(by, &[]).or(by.chars().find(|c| matches!(c, '(' | ')'))) {
            return Err(ApiError::InvalidBody(format!(
                "`by` names who acknowledges: plain text without parentheses or control characters, got {}",
                char_name(c)
            )));
        }
        if self.comment.chars().count() > 1000 {
            return Err(ApiError::InvalidBody(
                "`comment` is at most 1000 characters".into(),
            ));
        }
        if let Some(c) = forbidden_char(&self.comment, &['\n', '\t']) {
            return Err(ApiError::InvalidBody(format!(
                "`comment` may hold line breaks and tabs but no other control or text-direction character, got {}",
                char_name(c)
            )));
        }
        Ok(match by {
            "" => principal.id.clone(),
            person => format!("{} ({person})", principal.id),
        })
    }
}

/// `POST /api/v1/alerts/{id}/ack` with `{ "comment": "…", "by": "…" }` (both optional). The
/// acknowledgement is recorded as the authenticated caller (plus `by`, when given) and goes
/// to the audit log.
pub(crate) async fn acknowledge(
    service: web::Data<AlertService>,
    auth: web::Data<Auth>,
    principal: web::ReqData<Principal>,
    id: web::Path<String>,
    body: web::Json<AckBody>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let principal = principal.into_inner();
    let who = body.who(&principal)?;
    let AckBody { by, comment } = body.into_inner();
    match service.get(id).await.map_err(internal)? {
        Some(d) if visible(&principal, &d.alert) => {}
        _ => return Err(ApiError::AlertNotFound(id.to_string())),
    }
    let now = now_ms();
    let alert = service.acknowledge(id, &who, &comment, now).await?;
    // The audit actor is the authenticated caller alone; the typed name is free text, kept
    // quoted in the detail so it can never pass for an actor.
    let detail = format!(
        "rule={} subject={} by={:?} comment={:?}",
        alert.rule_id,
        alert.subject,
        by.trim(),
        comment
    );
    let actor = principal.id.clone();
    let auth = auth.into_inner();
    blocking(move || {
        auth.audit(&AuditRecord {
            at_ms: now,
            actor: &actor,
            action: "alert.ack",
            target: &id.to_string(),
            detail: &detail,
        })
        .map_err(internal)
    })
    .await?;
    Ok(HttpResponse::Ok().json(alert))
}

/// Ids are positive integers; anything else names no alert.
pub(crate) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::AlertNotFound(truncate(raw, 64)))
}

#[cfg(test)]
mod tests;
