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
    admin, alerts, cap, city_indicators, dashboard, events, health, incidents, indicators, metrics,
    ngsi, not_found, rejections, reports, sensors, series, stream,
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
    /// `GET`, `POST` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Delete => "DELETE",
        }
    }

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

use Access::{Acknowledge, Admin, Operations, Public, Read, Respond};
use Verb::{Delete, Get, Post};

/// Every route. One template may need a different access per method (reading incidents is
/// `Read`, opening one `Respond`): the guard looks up the method and the template.
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
    Route::new(Get, "/api/v1/cap", Public, |r| r.to(cap::feed)),
    Route::new(Get, "/api/v1/cap/{id}", Public, |r| r.to(cap::document)),
    Route::new(Post, "/api/v1/alerts/{id}/incident", Respond, |r| {
        r.to(incidents::from_alert)
    }),
    Route::new(Get, "/api/v1/incidents", Read, |r| r.to(incidents::list)),
    Route::new(Post, "/api/v1/incidents", Respond, |r| {
        r.to(incidents::create)
    })
    .with_json(incidents::json),
    Route::new(Get, "/api/v1/incidents/{id}", Read, |r| {
        r.to(incidents::detail)
    }),
    Route::new(Post, "/api/v1/incidents/{id}/assign", Acknowledge, |r| {
        r.to(incidents::assign)
    })
    .with_json(incidents::json),
    Route::new(Post, "/api/v1/incidents/{id}/comment", Respond, |r| {
        r.to(incidents::comment)
    })
    .with_json(incidents::json),
    Route::new(Post, "/api/v1/incidents/{id}/status", Respond, |r| {
        r.to(incidents::status)
    })
    .with_json(incidents::json),
    Route::new(
        Post,
        "/api/v1/incidents/{id}/checklist/{step}",
        Respond,
        |r| r.to(incidents::checklist),
    ),
    Route::new(Get, "/api/v1/procedures", Read, |r| {
        r.to(incidents::procedures)
    }),
    Route::new(Get, "/api/v1/handover", Read, |r| r.to(incidents::handover)),
    Route::new(Get, "/api/v1/events", Read, |r| r.to(events::list)),
    Route::new(Post, "/api/v1/events", Acknowledge, |r| r.to(events::post)),
    Route::new(Get, "/api/v1/events/{id}", Read, |r| r.to(events::detail)),
    Route::new(Post, "/api/v1/events/{id}/incident", Respond, |r| {
        r.to(incidents::from_event)
    }),
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

/// Every method and template, with the access it needs, in table order: what the role ×
/// endpoint test walks.
pub static POLICY: LazyLock<Vec<(Verb, &'static str, Access)>> = LazyLock::new(|| {
    ROUTES
        .iter()
        .map(|r| (r.verb, r.template, r.access))
        .collect()
});

/// What the route with this method and template needs; `None` for one not in the table.
pub(crate) fn access_of(method: &Method, template: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|r| r.template == template && r.verb.method() == method)
        .map(|r| r.access)
}

/// True when some row has this template (whatever its method).
pub(crate) fn has_template(template: &str) -> bool {
    ROUTES.iter().any(|r| r.template == template)
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
    fn the_guard_finds_each_rows_access() {
        for route in ROUTES {
            assert_eq!(
                access_of(&route.verb.method(), route.template),
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
    fn the_policy_names_each_row_once() {
        assert_eq!(POLICY.len(), ROUTES.len());
        assert!(POLICY
            .iter()
            .any(|(_, t, a)| *t == STREAM_ROUTE && *a == Access::Read));
        let reads = access_of(&Method::GET, "/api/v1/incidents");
        let opens = access_of(&Method::POST, "/api/v1/incidents");
        assert_eq!((reads, opens), (Some(Access::Read), Some(Access::Respond)));
    }
}
