//! `GET /api/v1/indicators/{domain}`, `GET /api/v1/kpi`, `GET /api/v1/sensor-health`: the
//! computed indicators (traffic, environment, public service, sensor health).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::resolve;
use crate::alerts::SeverityCounts;
use crate::auth::Principal;
use crate::indicators::{compute, kpi, CityIndicators};
use crate::serve::{ApiError, AppState};
use crate::shell::now_ms;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DistrictQuery {
    district: Option<String>,
}

/// Computes the indicators of the sensors of `domain` (all domains when `None`) inside the
/// caller's scope: city-wide figures are then those of the caller's part of the city.
fn indicators(
    state: &AppState,
    principal: &Principal,
    domain: Option<crate::model::DomainIdx>,
) -> CityIndicators {
    let now = now_ms();
    // Hold the read lock only to copy the inputs; the maths runs without it.
    let (city, mut inputs) = {
        let live = state.live();
        (live.city().clone(), live.sensor_inputs(now))
    };
    if let Some(d) = domain {
        inputs.retain(|s| s.domain == d);
    }
    let scope = &principal.scope;
    if !scope.is_unrestricted() {
        inputs.retain(|s| scope.allows(&city.domain(s.domain).name, &city.district(s.district).id));
    }
    compute(&city, &inputs, &state.indicator_params, now)
}

/// `GET /api/v1/indicators/{domain}?district=`: the domain's indicators city-wide and per
/// district, and per sensor (road, air station, water gauge, service centre); with `district`,
/// only that district's entries besides the city-wide summary.
pub(super) async fn domain(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    path: web::Path<String>,
    q: web::Query<DistrictQuery>,
) -> Result<HttpResponse, ApiError> {
    let (domain, district) = resolve(&state, &principal, Some(&path), q.district.as_deref())?;
    let ind = indicators(&state, &principal, domain);
    let mut body = serde_json::to_value(&ind).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Value::Object(obj) = &mut body else {
        return Err(ApiError::Internal(
            "indicators did not serialise to an object".into(),
        ));
    };
    obj.insert("domain".into(), json!(path.as_str()));
    if let Some(d) = district {
        let id = state.live().city().district(d).id.clone();
        narrow(obj, &id);
    }
    drop_empty(obj);
    Ok(HttpResponse::Ok().json(body))
}

/// Keeps only `district`'s entries in per-district maps and per-sensor lists.
fn narrow(obj: &mut Map<String, Value>, district: &str) {
    for v in obj.values_mut() {
        match v {
            Value::Array(items) => items.retain(|i| i["district"] == district),
            Value::Object(area) => {
                if let Some(Value::Object(ds)) = area.get_mut("districts") {
                    ds.retain(|k, _| k == district);
                }
                for inner in area.values_mut() {
                    if let Some(Value::Object(ds)) = inner.get_mut("districts") {
                        ds.retain(|k, _| k == district);
                    }
                }
            }
            _ => {}
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
pub(super) async fn summary(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
) -> Result<HttpResponse, ApiError> {
    let ind = indicators(&state, &principal, None);
    let open = if principal.scope.is_unrestricted() {
        state.alerts.counts_by_severity()
    } else {
        let mut counts = SeverityCounts::default();
        for a in state.alerts.open_alerts() {
            if a.state.is_open() && super::alerts::visible(&principal, &a) {
                counts.add(a.severity);
            }
        }
        counts
    }
    .by_name();
    let live = state.live();
    Ok(HttpResponse::Ok().json(kpi(live.city(), &ind, open)))
}

/// `GET /api/v1/sensor-health?domain=`: status counts, completeness, seq gaps, per domain and district.
pub(super) async fn health(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    q: web::Query<HealthQuery>,
) -> Result<HttpResponse, ApiError> {
    let (domain, _) = resolve(&state, &principal, q.domain.as_deref(), None)?;
    let ind = indicators(&state, &principal, domain);
    Ok(HttpResponse::Ok().json(json!({ "generated_at": ind.generated_at, "domains": ind.health })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HealthQuery {
    domain: Option<String>,
}
