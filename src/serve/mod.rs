//! Serve: the actix-web server. REST under `/api/v1`, health, readiness and `/metrics`.
//! Handlers parse, call the live state, and map the result; none talks to MQTT.

mod error;
mod http_metrics;
mod routes;
mod state;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use error::ApiError;
pub use state::AppState;

/// Starts serving on an already-bound listener (port 0 in tests). The returned `Server` must
/// be spawned or awaited; stop it through its handle. OS signals are left to the caller.
pub fn start(
    listener: TcpListener,
    state: AppState,
    workers: usize,
    shutdown_timeout: Duration,
) -> std::io::Result<Server> {
    let alerts = web::Data::new(state.alerts.clone());
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(alerts.clone())
            .configure(routes::configure)
            .wrap(actix_web::middleware::from_fn(http_metrics::track))
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs());
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}
