//! The HTTP server: one service per resource, built from the parts `build` opened.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::cluster::with_cluster;
use super::open::Export;
use super::{daily_reports, AppError, Parts};
use crate::aggregate::SharedLive;
use crate::auth::RateLimits;
use crate::config::Settings;
use crate::ingest::Ingest;
use crate::pipeline::RejectionLog;
use crate::push::Push;
use crate::serve::{self, Gate, LiveView, Readiness, RuleReloader, Services};
use crate::snapshot::{SharedForeign, SnapshotRx};
use crate::telemetry::Metrics;

/// What the HTTP services are built from.
pub(super) struct Wired<'a> {
    pub(super) parts: &'a Parts,
    pub(super) live: &'a SharedLive,
    pub(super) snapshots: &'a SnapshotRx,
    pub(super) metrics: &'a Arc<Metrics>,
    pub(super) export: Option<&'a Export>,
    pub(super) ingest: &'a Ingest,
    pub(super) push: Arc<Push>,
    pub(super) rejections: Arc<RejectionLog>,
    pub(super) foreign: &'a SharedForeign,
}

/// Binds `http.listen` and starts the server with one service per resource.
pub(super) fn start_http(
    settings: &Settings,
    w: Wired<'_>,
    shutdown: &CancellationToken,
) -> Result<(SocketAddr, actix_web::dev::Server), AppError> {
    let addr = settings.http.listen;
    let listener =
        std::net::TcpListener::bind(addr).map_err(|cause| AppError::HttpBind { addr, cause })?;
    let http_addr = listener.local_addr().map_err(AppError::Http)?;
    let limits = Arc::new(RateLimits::new(settings.http.rates()));
    crate::auth::spawn_pruner(limits.clone(), shutdown.clone());
    let (auth, alerts) = (&w.parts.auth, &w.parts.alerts);
    let view = LiveView::new(w.live.clone(), w.snapshots.clone());
    let services = Services {
        history: daily_reports::history(settings, &w, view.clone(), shutdown)?,
        live: view,
        readiness: with_cluster(
            Readiness::new(
                w.ingest.status.clone(),
                w.parts.store.clone(),
                w.metrics.clone(),
                w.export.map(|e| e.status.clone()),
                settings.export.influxdb.warn_outbox_fill,
            ),
            settings,
            w.foreign,
            &w.parts.alerts,
            w.snapshots,
        ),
        gate: Gate::new(auth.clone(), limits, settings.http.max_body_bytes),
        reloader: RuleReloader::new(
            alerts.clone(),
            auth.clone(),
            settings.alerts.rules_path.clone(),
        ),
        alerts: alerts.clone(),
        incidents: w.parts.ops.incidents.clone(),
        events: w.parts.ops.events.clone(),
        auth: auth.clone(),
        push: w.push,
        rejections: w.rejections,
        metrics: w.metrics.clone(),
    };
    let timeout = Duration::from_secs(settings.http.shutdown_timeout_s);
    let server = serve::start(
        listener,
        services,
        settings.http.workers,
        timeout,
        settings.http.cors_allowed_origins.clone(),
    )
    .map_err(AppError::Http)?;
    Ok((http_addr, server))
}
