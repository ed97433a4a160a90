//! The one route table. Each row names a route's method, its template, the [`Access`] it
//! needs and its handler; [`configure`] registers the rows with actix and [`access_of`]
//! answers the guard from the same rows, so no route is served without a policy and none is
//! listed twice. The guard refuses a matched template missing here (fail closed), and the
//! role × endpoint test walks [`POLICY`], derived from the rows.

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::{guard, web};

use super::error::ApiError;
use super::routes::{
    admin, alerts, city_indicators, dashboard, health, indicators, metrics, ngsi, not_found,
    rejections, reports, sensors, series, stream,
};
use crate::auth::Access;

/// The WebSocket route: it may authenticate in its first message instead of a header.
pub(crate) const STREAM_ROUTE: &str = "/api/v1/stream";

/// The HTTP methods the API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Delete => Method::DELETE,
        }
    }
}

/// One row of the table.
pub struct Route {
    pub verb: Verb,
    /// The actix template, as `HttpRequest::match_pattern` reports it (and metrics label it).
    pub template: &'static str,
    pub access: Access,
    /// Attaches the handler: `|r| r.to(handler)`.
    handler: fn(actix_web::Route) -> actix_web::Route,
    /// This route's own JSON body settings, in place of the app-wide ones.
    json: Option<fn() -> web::JsonConfig>,
}

impl Route {
    const fn new(
        verb: Verb,
        template: &'static str,
        access: Access,
        handler: fn(actix_web::Route) -> actix_web::Route,
    ) -> Route {
        Route {
            verb,
            template,
            access,
            handler,
            json: None,
        }
    }

    const fn with_json(mut self, json: fn() -> web::JsonConfig) -> Route {
        self.json = Some(json);
        self
    }
}

use Access::{Acknowledge, Admin, Operations, Public, Read};
use Verb::{Delete, Get, Post};

/// Every route. Templates with several methods keep one access for all of them (the guard
/// looks up the template; a unit test checks it).
pub const ROUTES: &[Route] = &[
    Route::new(Get, "/healthz", Public, |r| r.to(health::healthz)),
    Route::new(Get, "/readyz", Public, |r| r.to(health::readyz)),
    Route::new(Get, "/", Public, |r| r.to(dashboard::index)),
    Route::new(Get, "/ui/{file}", Public, |r| r.to(dashboard::asset)),
    Route::new(Get, "/metrics", Operations, |r| r.to(metrics::metrics)),
    Route::new(Get, "/api/v1/whoami", Read, |r| r.to(admin::whoami)),
    Route::new(Get, "/api/v1/openapi.json", Read, |r| {
        r.to(super::routes::openapi::document)
    }),
    Route::new(Get, "/api/v1/city", Read, |r| r.to(dashboard::city)),
    Route::new(Get, "/api/v1/sensors", Read, |r| r.to(sensors::list)),
    Route::new(Get, "/api/v1/sensors/{id}", Read, |r| r.to(sensors::detail)),
    Route::new(Get, "/api/v1/indicators", Read, |r| r.to(indicators::all)),
    Route::new(Get, "/api/v1/indicators/{domain}", Read, |r| {
        r.to(city_indicators::domain)
    }),
    Route::new(Get, "/api/v1/kpi", Read, |r| r.to(city_indicators::summary)),
    Route::new(Get, "/api/v1/sensor-health", Read, |r| {
        r.to(city_indicators::health)
    }),
    Route::new(Get, "/api/v1/series", Read, |r| r.to(series::series)),
    Route::new(Get, "/ngsi-ld/v1/entities", Read, |r| r.to(ngsi::entities)),
    Route::new(Get, "/ngsi-ld/v1/entities/{id}", Read, |r| {
        r.to(ngsi::entity)
    }),
    Route::new(Get, "/ngsi-ld/v1/temporal/entities/{id}", Read, |r| {
        r.to(ngsi::temporal)
    }),
    Route::new(Get, "/api/v1/reports", Read, |r| r.to(reports::list)),
    Route::new(Get, "/api/v1/reports/{kind}", Read, |r| {
        r.to(reports::report)
    }),
    Route::new(Get, STREAM_ROUTE, Read, |r| r.to(stream::stream)),
    Route::new(Get, "/api/v1/alerts", Read, |r| r.to(alerts::list)),
    Route::new(Get, "/api/v1/alerts/{id}", Read, |r| r.to(alerts::detail)),
    Route::new(Post, "/api/v1/alerts/{id}/ack", Acknowledge, |r| {
        r.to(alerts::acknowledge)
    })
    .with_json(alerts::ack_json),
    Route::new(Get, "/api/v1/ingest/rejections", Operations, |r| {
        r.to(rejections::recent)
    }),
    Route::new(Get, "/api/v1/admin/keys", Admin, |r| r.to(admin::list_keys)),
    Route::new(Post, "/api/v1/admin/keys", Admin, |r| {
        r.to(admin::create_key)
    }),
    Route::new(Delete, "/api/v1/admin/keys/{id}", Admin, |r| {
        r.to(admin::revoke_key)
    }),
    Route::new(Get, "/api/v1/admin/audit", Admin, |r| r.to(admin::audit)),
    Route::new(Post, "/api/v1/admin/reload", Admin, |r| r.to(admin::reload)),
];

/// Every template once, with the access it needs, in table order: what the role × endpoint
/// test walks.
pub static POLICY: LazyLock<Vec<(&'static str, Access)>> = LazyLock::new(|| {
    let mut policy: Vec<(&'static str, Access)> = Vec::new();
    for route in ROUTES {
        if !policy.iter().any(|(t, _)| *t == route.template) {
            policy.push((route.template, route.access));
        }
    }
    policy
});

/// What the route with this template needs; `None` for a template not in the table.
pub(crate) fn access_of(template: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|r| r.template == template)
        .map(|r| r.access)
}

/// Registers every row, each as its own resource guarded by its method (a wrong method falls
/// through to the 404 like an unknown path), and the 404 for everything else.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|err, _| ApiError::InvalidQuery(err.to_string()).into()),
    );
    for route in ROUTES {
        let mut resource = web::resource(route.template).guard(guard::Method(route.verb.method()));
        if let Some(json) = route.json {
            resource = resource.app_data(json());
        }
        cfg.service(resource.route((route.handler)(web::route())));
    }
    cfg.default_service(web::to(not_found));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_a_template_needs_the_same_access() {
        for route in ROUTES {
            assert_eq!(
                access_of(route.template),
                Some(route.access),
                "{}",
                route.template
            );
        }
    }

    #[test]
    fn no_route_is_listed_twice() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    (a.verb, a.template) != (b.verb, b.template),
                    "{:?} {} is listed twice",
                    a.verb,
                    a.template
                );
            }
        }
    }

    #[test]
    fn the_policy_names_each_template_once() {
        let templates: std::collections::BTreeSet<_> = ROUTES.iter().map(|r| r.template).collect();
        assert_eq!(POLICY.len(), templates.len());
        assert!(POLICY
            .iter()
            .any(|(t, a)| *t == STREAM_ROUTE && *a == Access::Read));
    }
}
