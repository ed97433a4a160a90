//! `GET /api/v1/cap` and `GET /api/v1/cap/{id}`: the public warnings (the alerts of rules
//! marked `public = true`) for the province's public-warning channels, as an Atom 1.0 index
//! and one CAP 1.2 document per warning; `crate::cap` writes both (docs/cap.md).
//!
//! Both routes are `Access::Public`: a public warning is meant for everyone, and the
//! channels and aggregators that relay it poll without an ioc credential. They show nothing
//! but what the warnings themselves publish; the per-IP rate limit still applies.
//!
//! The feed reads the open alerts from memory (no database work). A document reads its alert
//! from memory while it is open, so every entry the feed lists can be fetched at once, and
//! from the store once it is not (its history is there).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::alerts::{Alert, AlertService};
use crate::cap::{self, CapError, Issuer};
use crate::model::{truncate, City};
use crate::ngsi::city_slug;
use crate::serve::error::{internal, ApiError};
use crate::serve::live::LiveView;
use crate::shell::now_ms;

/// `GET /api/v1/cap`: the active (firing or acknowledged) public warnings, an Atom entry each.
pub(crate) async fn feed(
    service: web::Data<AlertService>,
    live: web::Data<LiveView>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let public = service.public_rule_ids();
    let alerts: Vec<Alert> = service
        .open_alerts()
        .into_iter()
        .filter(|a| cap::is_active(a) && public.contains(&a.rule_id))
        .collect();
    let city = live.read().city().clone();
    let body = cap::feed(&alerts, &city, &issuer(&req, &city), now_ms()).map_err(internal)?;
    Ok(xml(cap::ATOM_MEDIA_TYPE, body))
}

/// `GET /api/v1/cap/{id}`: one public warning as CAP 1.2: `Alert` while it fires or is
/// acknowledged, `Cancel` once it resolved. An unknown id, an alert of a rule not (or no
/// longer) public, and one still pending its first firing are all `404 alert_not_found`.
pub(crate) async fn document(
    service: web::Data<AlertService>,
    live: web::Data<LiveView>,
    req: HttpRequest,
    raw: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::AlertNotFound(truncate(&raw, 64));
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(not_found)?;
    let alert = find(&service, id)
        .await?
        .filter(|a| service.public_rule_ids().contains(&a.rule_id))
        .ok_or_else(not_found)?;
    let city = live.read().city().clone();
    match cap::document(&alert, &city, &issuer(&req, &city)) {
        Ok(body) => Ok(xml(cap::CAP_MEDIA_TYPE, body)),
        Err(CapError::NotIssued { .. }) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}

/// The alert from memory while it is open (as the feed saw it, even before the recorder has
/// stored it), else from the store.
async fn find(service: &AlertService, id: i64) -> Result<Option<Alert>, ApiError> {
    if let Some(open) = service.open_alerts().into_iter().find(|a| a.id == id) {
        return Ok(Some(open));
    }
    Ok(service.get(id).await.map_err(internal)?.map(|d| d.alert))
}

/// This city's sender, and this server as the caller reached it (`Host`, or a proxy's
/// `Forwarded` / `X-Forwarded-Host` and `-Proto`), so the links work where they are read. A
/// host with anything but the characters of a host name and port is replaced by `localhost`.
fn issuer(req: &HttpRequest, city: &City) -> Issuer {
    let info = req.connection_info();
    let scheme = if info.scheme() == "https" {
        "https"
    } else {
        "http"
    };
    let host = info.host();
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let host = if plain { host } else { "localhost" };
    Issuer::new(&city_slug(&city.name), &format!("{scheme}://{host}"))
}

fn xml(content_type: &'static str, body: String) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body)
}
