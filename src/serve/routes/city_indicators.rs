//! `GET /api/v1/indicators/{domain}`, `GET /api/v1/kpi`, `GET /api/v1/sensor-health`: the
//! computed indicators (traffic, environment, public service, sensor health).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::alerts::{AlertService, SeverityCounts};
use crate::auth::Principal;
use crate::serve::error::ApiError;
use crate::serve::live::LiveView;
use crate::serve::page::Page;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainQuery {
    district: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/indicators/{domain}?district=&limit=&cursor=`: the domain's indicators
/// city-wide and per district, and one page of its sensors' items (road, air station, water
/// gauge, service centre) with `next_cursor`; with `district`, only that district's entries
/// besides the city-wide summary.
pub(crate) async fn domain(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    path: web::Path<String>,
    q: web::Query<DomainQuery>,
) -> Result<HttpResponse, ApiError> {
    let (domain, district) = live.resolve(&principal, Some(&path), q.district.as_deref())?;
    let page = Page::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let (ind, next) = live.indicator_page(&principal, domain, district, &page)?;
    let mut body = serde_json::to_value(&ind).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Value::Object(obj) = &mut body else {
        return Err(ApiError::Internal(
            "indicators did not serialise to an object".into(),
        ));
    };
    obj.insert("domain".into(), json!(path.as_str()));
    if let Some(d) = district {
        let id = live.read().city().district(d).id.clone();
        narrow(obj, &id);
    }
    drop_empty(obj);
    obj.insert("next_cursor".into(), json!(next));
    Ok(HttpResponse::Ok().json(body))
}

/// Keeps only `district`'s entries in the areas' per-district maps (the items are listed for
/// that district only already).
fn narrow(obj: &mut Map<String, Value>, district: &str) {
    for area in obj.values_mut().filter_map(Value::as_object_mut) {
        if let Some(Value::Object(ds)) = area.get_mut("districts") {
            ds.retain(|k, _| k == district);
        }
        for inner in area.values_mut() {
            if let Some(Value::Object(ds)) = inner.get_mut("districts") {
                ds.retain(|k, _| k == district);
            }
        }
    }
}

/// Drops sections with nothing in them (a traffic domain has no air stations).
fn drop_empty(obj: &mut Map<String, Value>) {
    obj.retain(|k, v| match (k.as_str(), &*v) {
        (_, Value::Array(a)) => !a.is_empty(),
        ("traffic" | "environment" | "public_service", Value::Object(area)) => area
            .get("districts")
            .is_some_and(|d| d.as_object().is_some_and(|d| !d.is_empty())),
        _ => true,
    });
}

/// `GET /api/v1/kpi`: the control room's header in one object, over the caller's scope.
pub(crate) async fn summary(
    live: web::Data<LiveView>,
    alerts: web::Data<AlertService>,
    principal: web::ReqData<Principal>,
) -> Result<HttpResponse, ApiError> {
    let (snap, areas) = live.areas(&principal, None);
    // From the alert engine's memory, not SQLite: no blocking call.
    let open = if principal.scope.is_unrestricted() {
        alerts.counts_by_severity()
    } else {
        let mut counts = SeverityCounts::default();
        for a in alerts.open_alerts() {
            if a.state.is_open() && super::alerts::visible(&principal, &a) {
                counts.add(a.severity);
            }
        }
        counts
    }
    .by_name();
    let want = crate::serve::live::want(&snap, &principal, None);
    Ok(HttpResponse::Ok().json(snap.kpi(&areas, open, want)))
}

/// `GET /api/v1/sensor-health?domain=`: status counts, completeness, seq gaps, per domain and district.
pub(crate) async fn health(
    live: web::Data<LiveView>,
    principal: web::ReqData<Principal>,
    q: web::Query<HealthQuery>,
) -> Result<HttpResponse, ApiError> {
    let (domain, _) = live.resolve(&principal, q.domain.as_deref(), None)?;
    let (_, areas) = live.areas(&principal, domain);
    Ok(HttpResponse::Ok()
        .json(json!({ "generated_at": areas.generated_at, "domains": areas.health })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthQuery {
    domain: Option<String>,
}
