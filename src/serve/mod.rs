//! Serve: the actix-web server. REST under `/api/v1`, health, readiness and `/metrics`.
//! Handlers parse, call one service, and map the result; none talks to MQTT.
//!
//! # Layout
//! - `table.rs`: the one route table (method, template, access, handler); it drives both the
//!   actix registration and the guard.
//! - `guard.rs`: [`Gate`], the access check in front of every route; `credentials.rs`: where
//!   a request carries its token.
//! - `error.rs`: [`ApiError`], the one table of error codes.
//! - The services handlers read, each its own `web::Data`: [`LiveView`] (live state,
//!   indicators), [`HistoryService`] (`/series`: store, InfluxDB, or a cluster's shared store), [`Readiness`]
//!   (`/readyz`), [`RuleReloader`] (admin reload); and the stages' own `AlertService`, `Auth`,
//!   `Push`, `RejectionLog`, `Metrics`.
//! - `routes/`: the handlers, one file per resource; `page.rs`: every list's `limit` and
//!   opaque `cursor` (keyset pagination).
//! - `blocking.rs`: SQLite work off the executor; `http_metrics.rs`: request metrics;
//!   `settings.rs`: `[http]`.

mod blocking;
mod credentials;
mod error;
mod guard;
mod history;
mod http_metrics;
mod live;
mod openapi;
mod page;
mod readiness;
mod reload;
mod routes;
mod settings;
mod table;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

use crate::alerts::AlertService;
use crate::auth::Auth;
use crate::pipeline::RejectionLog;
use crate::push::Push;
use crate::telemetry::Metrics;

pub use credentials::{PROTOCOL, TOKEN_PROTOCOL_PREFIX};
pub use error::ApiError;
pub use guard::Gate;
pub use history::{HistoryService, KeptQuery, ReportQuery, Shared};
pub use live::LiveView;
pub use readiness::Readiness;
pub use reload::RuleReloader;
pub use settings::HttpSettings;
pub use table::{Route, Verb, POLICY, ROUTES};

/// The services behind the routes. `start` registers each as its own `web::Data`, so a
/// handler names exactly the ones it reads.
pub struct Services {
    pub live: LiveView,
    pub history: Arc<HistoryService>,
    pub readiness: Readiness,
    pub gate: Gate,
    pub reloader: RuleReloader,
    pub alerts: Arc<AlertService>,
    pub incidents: Arc<crate::incidents::IncidentService>,
    pub events: Arc<crate::events::EventService>,
    pub auth: Arc<Auth>,
    pub push: Arc<Push>,
    pub rejections: Arc<RejectionLog>,
    pub metrics: Arc<Metrics>,
}

impl Services {
    /// The app data every worker registers: one `web::Data` per service, shared (each is an
    /// `Arc`) across workers.
    fn into_app_data(self) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
        let live = web::Data::new(self.live);
        let history = web::Data::from(self.history);
        let readiness = web::Data::new(self.readiness);
        let gate = web::Data::new(self.gate);
        let reloader = web::Data::new(self.reloader);
        let alerts = web::Data::from(self.alerts);
        let incidents = web::Data::from(self.incidents);
        let events = web::Data::from(self.events);
        let auth = web::Data::from(self.auth);
        let push = web::Data::from(self.push);
        let rejections = web::Data::from(self.rejections);
        let metrics = web::Data::from(self.metrics);
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(live.clone())
                .app_data(history.clone())
                .app_data(readiness.clone())
                .app_data(gate.clone())
                .app_data(reloader.clone())
                .app_data(alerts.clone())
                .app_data(incidents.clone())
                .app_data(events.clone())
                .app_data(auth.clone())
                .app_data(push.clone())
                .app_data(rejections.clone())
                .app_data(metrics.clone());
        }
    }
}

/// Starts serving on an already-bound listener (port 0 in tests). The returned `Server` must
/// be spawned or awaited; stop it through its handle. OS signals are left to the caller.
///
/// Middleware, outermost first: request metrics, security headers (on every answer, refusals
/// included), CORS (`http.cors_allowed_origins`), the access guard (body size, rate limits,
/// authentication, role).
pub fn start(
    listener: TcpListener,
    services: Services,
    workers: usize,
    shutdown_timeout: Duration,
    cors_allowed_origins: Vec<String>,
) -> std::io::Result<Server> {
    // Bodies sent without a Content-Length (chunked) meet the same limit while being read.
    let max_body = services.gate.max_body_bytes();
    let app_data = services.into_app_data();
    let mut server = HttpServer::new(move || {
        App::new()
            .configure(&app_data)
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(|err, _| error::json_error(err)),
            )
            .configure(table::configure)
            .wrap(actix_web::middleware::from_fn(guard::guard))
            .wrap(cors(&cors_allowed_origins))
            // Outside the guard and CORS, so their refusals (401, 403, 413, 429) carry the
            // headers too.
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap(actix_web::middleware::from_fn(http_metrics::track))
    })
    .disable_signals()
    // Small, so that a connection keeps a small write buffer (push/fragment.rs).
    .h1_write_buffer_size(crate::push::WRITE_BUFFER_BYTES)
    .shutdown_timeout(shutdown_timeout.as_secs());
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}

/// Cross-origin browser access only for the configured origins; the dashboard served here is
/// same-origin and needs none.
fn cors(origins: &[String]) -> actix_cors::Cors {
    origins
        .iter()
        .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o))
        .allowed_methods(["GET", "POST", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
        ])
        .max_age(600)
}
