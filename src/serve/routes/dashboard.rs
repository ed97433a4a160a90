//! The control-room dashboard (`dashboards/control-room/`): static files compiled into the
//! binary with `include_str!`, so `ioc` serves the page from any working directory and needs
//! nothing on disk or on the internet. `/` is the page, `/ui/{file}` its assets, and
//! `GET /api/v1/city` the layout it draws (districts with polygons and sensor counts, and
//! unless `?sensors=false`, sensors with positions).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::serve::error::ApiError;
use crate::serve::live::LiveView;

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
        "status.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/status.js"),
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
    (
        "incidents.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/incidents.js"),
    ),
    (
        "incident-detail.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/incident-detail.js"),
    ),
    (
        "sla.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/sla.js"),
    ),
    (
        "events.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../dashboards/control-room/events.js"),
    ),
];

const INDEX: &str = include_str!("../../../dashboards/control-room/index.html");

/// Everything comes from `ioc` itself; the only other connection is the WebSocket stream, to
/// this same origin: CSP 3's `'self'` covers `ws:`/`wss:` to the page's own host and port
/// (bare `ws: wss:` would let an injected script reach any host).
const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
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
pub(crate) async fn index() -> HttpResponse {
    page("text/html; charset=utf-8", INDEX)
}

/// `GET /ui/{file}`: one of the page's assets.
pub(crate) async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ASSETS
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .map(|(_, ty, body)| page(ty, body))
        .ok_or_else(|| ApiError::RouteNotFound {
            method: "GET".to_owned(),
            path: crate::model::truncate(&format!("/ui/{file}"), 200),
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CityQuery {
    sensors: Option<String>,
}

/// `GET /api/v1/city?sensors=`: the city's layout as the caller sees it (see
/// [`LiveView::layout`]); `sensors=false` leaves out the sensor list (a large city's page
/// loads one district's sensors at a time).
pub(crate) async fn city(
    live: web::Data<LiveView>,
    principal: web::ReqData<crate::auth::Principal>,
    q: web::Query<CityQuery>,
) -> Result<HttpResponse, ApiError> {
    let with_sensors = match q.sensors.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::InvalidQuery(format!(
                "sensors {:?} is not true or false",
                crate::model::truncate(other, 40)
            )))
        }
    };
    Ok(HttpResponse::Ok().json(live.layout(&principal, with_sensors)))
}
