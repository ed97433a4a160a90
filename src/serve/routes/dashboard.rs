//! The control-room dashboard (`dashboards/control-room/`): static files compiled into the
//! binary with `include_str!`, so `ioc` serves the page from any working directory and needs
//! nothing on disk or on the internet. `/` is the page, `/ui/{file}` its assets, and
//! `GET /api/v1/city` the layout it draws (districts with polygons, sensors with positions).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::serve::{ApiError, AppState};

/// `(name, content type, body)` of every asset under `/ui/`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../../dashboards/control-room/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/app.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/i18n.js"),
    ),
    (
        "stream.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/stream.js"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/map.js"),
    ),
    (
        "chart.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/chart.js"),
    ),
    (
        "alerts.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/alerts.js"),
    ),
];

const INDEX: &str = include_str!("../../../dashboards/control-room/index.html");

/// Everything comes from `ioc` itself; the only other connection is the WebSocket stream.
const CSP: &str = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; \
                   style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'none'";

fn page(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // The assets change only with the binary; revalidating each load is cheap and avoids
        // a stale page after an upgrade.
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(body)
}

/// `GET /`: the dashboard page.
pub(super) async fn index() -> HttpResponse {
    page("text/html; charset=utf-8", INDEX)
}

/// `GET /ui/{file}`: one of the page's assets.
pub(super) async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ASSETS
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .map(|(_, ty, body)| page(ty, body))
        .ok_or_else(|| ApiError::RouteNotFound {
            method: "GET".to_owned(),
            path: crate::model::truncate(&format!("/ui/{file}"), 200),
        })
}

/// `GET /api/v1/city`: the city's layout — districts with their polygons (`[lon, lat]`) and
/// registered sensors with their positions.
/// The city's layout as the caller sees it: districts, domains and sensors of its scope.
pub(super) async fn city(
    state: web::Data<AppState>,
    principal: web::ReqData<crate::auth::Principal>,
) -> HttpResponse {
    let live = state.live();
    let city = live.city();
    let scope = &principal.scope;
    let districts: Vec<_> = city
        .districts
        .iter()
        .filter(|d| scope.allows_district(&d.id))
        .map(|d| json!({"id": d.id, "name": d.name, "polygon": d.polygon}))
        .collect();
    let sensors: Vec<_> = city
        .sensors
        .iter()
        .filter(|s| scope.allows(&city.domain(s.domain).name, &city.district(s.district).id))
        .map(|s| {
            json!({
                "id": &*s.id,
                "name": s.name,
                "domain": city.domain(s.domain).name,
                "district": city.district(s.district).id,
                "lat": s.lat,
                "lon": s.lon,
                "expected_interval_s": s.interval_ms as f64 / 1000.0,
            })
        })
        .collect();
    let domains: Vec<&str> = city
        .domains
        .iter()
        .map(|d| d.name.as_str())
        .filter(|d| scope.allows_domain(d))
        .collect();
    HttpResponse::Ok().json(json!({
        "name": city.name,
        "domains": domains,
        "districts": districts,
        "sensors": sensors,
    }))
}
