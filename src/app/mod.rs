//! `Application`: wires config → city → store → pipeline and MQTT → live state → push and
//! HTTP, and shuts them down in order. `main.rs` only parses flags and calls this; tests call
//! it directly. Opening the parts is in `open.rs`; `build` only connects them.

mod cluster;
mod daily_reports;
mod error;
mod http;
mod open;
mod operations;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use error::AppError;

use crate::aggregate::{LiveState, SharedLive};
use crate::alerts::{run_evaluator, AlertService};
use crate::auth::Auth;
use crate::cluster::{Link, LinkParts};
use crate::config::{load_city, Settings};
use crate::ingest::Ingest;
use crate::model::City;
use crate::pipeline::{seed_hourly, Pipeline, RejectionLog, Sizes, Stages};
use crate::push::{AlertFeed, Push};
use crate::snapshot::{SharedForeign, SnapshotRx, Territory};
use crate::store::{run_retention, SqliteStore};
use crate::telemetry::Metrics;
use cluster::{start_link, territory};
use http::{start_http, Wired};
use open::{broker_url, open_alerts, open_keys, open_store, start_export, start_notifiers, Export};

pub struct Application {
    http_addr: SocketAddr,
    mqtt_addr: (String, u16),
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    ingest: Ingest,
    /// The cluster link: this node's summary out, its peers' in (`None` alone).
    link: Option<Link>,
    pipeline: Pipeline,
    retention: JoinHandle<()>,
    exporter: Option<JoinHandle<()>>,
    evaluator: JoinHandle<()>,
    notifiers: Vec<JoinHandle<()>>,
    /// The service-level watch of the incidents.
    operations: Vec<JoinHandle<()>>,
    /// Builds the indicator snapshot every tick; ends on shutdown.
    snapshot_thread: Option<std::thread::JoinHandle<()>>,
    /// Flushed at shutdown: its recorder thread stores the last changes.
    alerts: Arc<AlertService>,
    /// Its open rollup buckets are written at shutdown, once the writer has drained.
    store: Arc<SqliteStore>,
    /// The WebSocket push producer and alert forwarder.
    push: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    live: SharedLive,
    metrics: Arc<Metrics>,
    bootstrap_token: Option<String>,
}

impl Application {
    /// Starts every part. Returns once the HTTP server listens; the MQTT connection comes up in
    /// the background (see `/readyz`).
    pub async fn build(mut settings: Settings) -> Result<Application, AppError> {
        let city = Arc::new(City::from_config(&load_city(&settings)?)?);
        let url = broker_url(&mut settings)?;
        let domains: Vec<String> = city.domains.iter().map(|d| d.name.clone()).collect();
        let metrics = Arc::new(Metrics::new(&domains)?);
        let live: SharedLive = Arc::new(RwLock::new(LiveState::new(
            city.clone(),
            settings.aggregate,
            settings.indicators.default_sla_target_s,
        )));
        let parts = Parts::open(&settings, city.clone(), &live).await?;
        let shutdown = CancellationToken::new();
        let foreign = SharedForeign::default();
        let territory = territory(&settings, &city, &foreign)?;
        let (snapshots, snapshot_thread) =
            start_snapshots(&settings, &live, territory, &metrics, &shutdown).await?;
        let background = Background::start(
            &settings, &parts, &city.zone, &snapshots, &metrics, &shutdown,
        )?;
        let rejections = Arc::new(RejectionLog::new(settings.ingest.rejection_log_size));
        let stages = Stages {
            city: city.clone(),
            store: parts.store.clone(),
            live: live.clone(),
            alerts: parts.alerts.clone(),
            rejections: rejections.clone(),
            metrics: metrics.clone(),
            events: parts.ops.events.clone(),
        };
        let sizes = Sizes {
            ingest: &settings.ingest,
            store: &settings.store,
            topic_prefix: &settings.mqtt.topic_prefix,
        };
        let (pipeline, ends) = Pipeline::start(sizes, stages, shutdown.clone())
            .map_err(|e| AppError::Startup(format!("cannot start the store writer: {e}")))?;
        let mut mqtt = settings.mqtt.clone();
        mqtt.client_id = settings.cluster.ingest_client_id(&mqtt.client_id);
        let districts = settings.cluster.district_ids();
        let filters = Ingest::reading_filters(&mqtt.topic_prefix, &districts);
        let ingest = Ingest::start(&mqtt, &url, filters, ends, &metrics, shutdown.clone())?;
        let link_parts = LinkParts {
            city: city.clone(),
            snapshots: snapshots.clone(),
            alerts: parts.alerts.clone(),
            auth: parts.auth.clone(),
            foreign: foreign.clone(),
            rules_path: settings.alerts.rules_path.clone(),
            incidents: parts.ops.incidents.clone(),
            events: parts.ops.events.clone(),
        };
        let link = start_link(&settings, &url, link_parts, &shutdown)?;
        let ops = &parts.ops;
        let sla_every = Duration::from_secs(settings.incidents.sla_check_s);
        let sla = operations::run_sla(
            ops.incidents.clone(),
            parts.alerts.clone(),
            sla_every,
            shutdown.clone(),
        );
        let operations = vec![tokio::spawn(sla)];
        let (push, push_tasks) = Push::start(
            settings
                .push
                .clone()
                .fitted_to(city.domains.len(), city.districts.len()),
            live.clone(),
            snapshots.clone(),
            Some(parts.alerts.clone() as Arc<dyn AlertFeed>),
            metrics.push.clone(),
            shutdown.clone(),
        );
        let mut push_tasks = push_tasks;
        push_tasks.extend(push.follow_operations(
            ops.incidents.clone(),
            ops.events.clone(),
            shutdown.clone(),
        ));
        let wired = Wired {
            parts: &parts,
            live: &live,
            snapshots: &snapshots,
            metrics: &metrics,
            export: background.export.as_ref(),
            ingest: &ingest,
            push,
            rejections,
            foreign: &foreign,
        };
        let (http_addr, server) = start_http(&settings, wired, &shutdown)?;
        tracing::info!(%http_addr, city = %city.name, sensors = city.sensors.len(), broker = %format!("{}:{}", url.host, url.port), "ioc started");
        Ok(Application {
            http_addr,
            mqtt_addr: (url.host, url.port),
            server: server.handle(),
            server_task: tokio::spawn(server),
            ingest,
            link,
            pipeline,
            retention: background.retention,
            exporter: background.export.map(|e| e.task),
            evaluator: background.evaluator,
            notifiers: background.notifiers,
            operations,
            snapshot_thread: Some(snapshot_thread),
            alerts: parts.alerts,
            store: parts.store.clone(),
            push: push_tasks,
            shutdown,
            live,
            metrics,
            bootstrap_token: parts.bootstrap_token,
        })
    }

    /// The one-run admin token made for a loopback server with no keys and no JWT.
    pub fn bootstrap_token(&self) -> Option<&str> {
        self.bootstrap_token.as_deref()
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// Host and port of the broker ingest connects to (the embedded one by default).
    pub fn mqtt_addr(&self) -> (&str, u16) {
        (&self.mqtt_addr.0, self.mqtt_addr.1)
    }

    /// Cancel it to stop the application; `run_until_stopped` then returns.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub fn live(&self) -> SharedLive {
        self.live.clone()
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Runs until the shutdown token is cancelled, then stops taking MQTT messages, processes
    /// those already taken, and stops the HTTP server gracefully.
    pub async fn run_until_stopped(mut self) -> Result<(), AppError> {
        let server_result = tokio::select! {
            _ = self.shutdown.cancelled() => None,
            r = &mut self.server_task => Some(r),
        };
        tracing::info!("shutting down: draining ingest");
        self.shutdown.cancel();
        if let Some(link) = self.link.take() {
            // First, so peers take this node's districts as missing at once, not when its
            // summary goes stale.
            link.closed().await;
        }
        self.pipeline.drained().await;
        self.ingest.closed().await;
        for task in std::mem::take(&mut self.operations) {
            let _ = task.await;
        }
        let _ = self.retention.await;
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.flush_rollups()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "rollups not flushed at shutdown; the next start recomputes them")
            }
            Err(e) => tracing::warn!(error = %e, "rollup flush at shutdown did not run"),
        }
        let _ = self.evaluator.await;
        for n in std::mem::take(&mut self.notifiers) {
            let _ = n.await;
        }
        if let Some(t) = self.snapshot_thread.take() {
            // Ends within one 50 ms sleep step of the cancel; joined off the executor.
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        self.alerts.flush().await;
        for task in self.push {
            let _ = task.await;
        }
        if let Some(exporter) = self.exporter {
            let _ = exporter.await;
        }
        tracing::info!("ingest drained; stopping HTTP server");
        self.server.stop(true).await;
        match server_result {
            Some(Ok(Err(e))) => Err(AppError::Http(e)),
            Some(Err(join)) => Err(AppError::Http(std::io::Error::other(join.to_string()))),
            _ => Ok(()),
        }
    }
}

/// Builds the first snapshot (the whole city: off the executor) and starts the thread that
/// builds one every `push.min_interval_ms`.
async fn start_snapshots(
    settings: &Settings,
    live: &SharedLive,
    territory: Option<Territory>,
    metrics: &Metrics,
    shutdown: &CancellationToken,
) -> Result<(SnapshotRx, std::thread::JoinHandle<()>), AppError> {
    let (live, params) = (live.clone(), settings.indicators.params());
    let (interval, m, stop) = (
        settings.push.min_interval(),
        metrics.snapshot.clone(),
        shutdown.clone(),
    );
    tokio::task::spawn_blocking(move || {
        crate::snapshot::spawn(live, params, territory, interval, m, stop)
    })
    .await
    .map_err(|e| AppError::Startup(format!("the snapshot thread did not start: {e}")))?
    .map_err(|e| AppError::Startup(format!("cannot start the snapshot thread: {e}")))
}

/// What the application runs on, opened before anything starts: the store (and the live
/// state's hourly means refilled from it), the alerts and the keys kept in its file.
struct Parts {
    store: Arc<SqliteStore>,
    alerts: Arc<AlertService>,
    /// Incidents and events, whose tables are in the store's file too.
    ops: operations::Operations,
    auth: Arc<Auth>,
    bootstrap_token: Option<String>,
}

impl Parts {
    async fn open(
        settings: &Settings,
        city: Arc<City>,
        live: &SharedLive,
    ) -> Result<Parts, AppError> {
        let store = open_store(settings, city.clone()).await?;
        seed_hourly(
            &(store.clone() as Arc<dyn crate::store::SeriesReader>),
            live,
        )
        .await?;
        let alerts = open_alerts(settings).await?;
        let ops = operations::open(settings, city.clone()).await?;
        let keys = open_keys(settings).await?;
        let (auth, bootstrap_token) =
            crate::auth::open(&settings.auth, keys, settings.http.listen, city).await?;
        Ok(Parts {
            store,
            alerts,
            ops,
            auth,
            bootstrap_token,
        })
    }
}

/// The tasks beside the pipeline: retention, the exporter and the notifiers (when configured),
/// the alert evaluator.
struct Background {
    retention: JoinHandle<()>,
    export: Option<Export>,
    evaluator: JoinHandle<()>,
    notifiers: Vec<JoinHandle<()>>,
}

impl Background {
    fn start(
        settings: &Settings,
        parts: &Parts,
        zone: &crate::model::Zone,
        snapshots: &SnapshotRx,
        metrics: &Arc<Metrics>,
        shutdown: &CancellationToken,
    ) -> Result<Background, AppError> {
        let retention = tokio::spawn(run_retention(
            parts.store.clone(),
            settings.store.retention_interval_s,
            metrics.store.clone(),
            shutdown.clone(),
        ));
        let export = start_export(settings, &parts.store, metrics, shutdown);
        let evaluator = tokio::spawn(run_evaluator(
            parts.alerts.clone(),
            snapshots.clone(),
            Duration::from_secs(settings.indicators.alert_eval_interval_s),
            shutdown.clone(),
        ));
        Ok(Background {
            retention,
            export,
            evaluator,
            notifiers: start_notifiers(settings, &parts.alerts, zone, metrics, shutdown)?,
        })
    }
}
