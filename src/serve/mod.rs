//! Serve: the actix-web server. REST under `/api/v1`, health, readiness and `/metrics`.
//! Handlers parse, call the live state, and map the result; none talks to MQTT.

mod error;
pub mod guard;
mod http_metrics;
mod routes;
mod settings;
mod state;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use error::ApiError;
pub use routes::POLICY;
pub use settings::HttpSettings;
pub use state::AppState;

/// Starts serving on an already-bound listener (port 0 in tests). The returned `Server` must
/// be spawned or awaited; stop it through its handle. OS signals are left to the caller.
///
/// Middleware, outermost first: request metrics, CORS (`http.cors_allowed_origins`), the
/// access guard (body size, rate limits, authentication, role), security headers.
pub fn start(
    listener: TcpListener,
    state: AppState,
    workers: usize,
    shutdown_timeout: Duration,
    cors_allowed_origins: Vec<String>,
) -> std::io::Result<Server> {
    let alerts = web::Data::new(state.alerts.clone());
    let auth = web::Data::new(state.auth.clone());
    // Bodies sent without a Content-Length (chunked) meet the same limit while being read.
    let max_body = state.max_body_bytes;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(alerts.clone())
            .app_data(auth.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(|err, _| routes::json_error(err)),
            )
            .configure(routes::configure)
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap(actix_web::middleware::from_fn(guard::guard))
            .wrap(cors(&cors_allowed_origins))
            .wrap(actix_web::middleware::from_fn(http_metrics::track))
    })
    .disable_signals()
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
