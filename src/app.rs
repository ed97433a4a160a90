//! `Application`: wires config → city → broker → ingest → live state → HTTP server, and shuts
//! them down in order. `main.rs` only parses flags and calls this; tests call it directly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::aggregate::{LiveState, SharedLive, StatusThresholds};
use crate::alerts::{run_evaluator, AlertService, RuleSet, RulesError};
use crate::config::{load_city, ConfigError, Settings};
use crate::export::{run_exporter, ExportStatus, FluxClient};
use crate::ingest::{BrokerUrl, Ingest, OptionsError};
use crate::model::{City, CityError};
use crate::pipeline::{seed_hourly, Pipeline, RejectionLog, SeedError, Sizes, Stages};
use crate::serve::{self, Gate, HistoryService, LiveView, Readiness, RuleReloader, Services};
use crate::shell::RepoError;
use crate::store::{run_retention, SqliteAlerts, SqliteKeys, SqliteStore, StoreError};
use crate::telemetry::Metrics;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    City(#[from] CityError),
    #[cfg(feature = "embedded-broker")]
    #[error(transparent)]
    Broker(#[from] crate::ingest::EmbeddedBrokerError),
    #[error("mqtt.url is empty but this build has no embedded broker (cargo feature `embedded-broker`); set mqtt.url")]
    NoEmbeddedBroker,
    #[error(transparent)]
    Mqtt(#[from] OptionsError),
    #[error("cannot listen on {addr} (http.listen): {cause}")]
    HttpBind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Http(std::io::Error),
    #[error("a startup task failed: {0}")]
    Startup(String),
    #[error("metrics registry: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("{0} (store.path)")]
    Store(#[from] StoreError),
    #[error("{0} (alerts.rules_path)")]
    AlertRules(#[from] RulesError),
    /// The alerts' or the keys' tables (their message names which, and `store.path`).
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Auth(#[from] crate::auth::SetupError),
    #[error("{0} (store.path)")]
    Seed(#[from] SeedError),
}

pub struct Application {
    http_addr: SocketAddr,
    mqtt_addr: (String, u16),
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    ingest: Ingest,
    pipeline: Pipeline,
    retention: JoinHandle<()>,
    exporter: Option<JoinHandle<()>>,
    evaluator: JoinHandle<()>,
    /// Flushed at shutdown: its recorder thread stores the last changes.
    alerts: Arc<AlertService>,
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
        if settings.uses_embedded_broker() && settings.mqtt.username.is_empty() {
            settings.mqtt.username = settings.broker.username.clone();
            settings.mqtt.password = settings.broker.password.clone();
        }
        let city = Arc::new(City::from_config(&load_city(&settings)?)?);
        let url = broker_url(&settings)?;
        let domains: Vec<String> = city.domains.iter().map(|d| d.name.clone()).collect();
        let metrics = Arc::new(Metrics::new(&domains)?);
        let thresholds = StatusThresholds {
            late_after_intervals: settings.aggregate.late_after_intervals,
            offline_after_intervals: settings.aggregate.offline_after_intervals,
        };
        let live: SharedLive = Arc::new(RwLock::new(LiveState::new(
            city.clone(),
            thresholds,
            settings.indicators.default_sla_target_s,
        )));
        let rejections = Arc::new(RejectionLog::new(settings.ingest.rejection_log_size));
        let store = open_store(&settings, city.clone()).await?;
        seed_hourly(
            &(store.clone() as Arc<dyn crate::store::SeriesReader>),
            &live,
        )
        .await?;
        let alerts = open_alerts(&settings).await?;
        let keys = open_keys(&settings).await?;
        let (auth, bootstrap_token) =
            crate::auth::open(&settings.auth, keys, settings.http.listen, city.clone()).await?;
        let limits = Arc::new(crate::auth::RateLimits::new(settings.http.rates()));
        let shutdown = CancellationToken::new();
        let retention = tokio::spawn(run_retention(
            store.clone() as Arc<dyn crate::store::Retention>,
            settings.store.retention_interval_s,
            metrics.store.clone(),
            shutdown.clone(),
        ));
        let export = start_export(&settings, &store, &metrics, &shutdown);
        let eval_interval = Duration::from_secs(settings.indicators.alert_eval_interval_s);
        let evaluator = tokio::spawn(run_evaluator(
            alerts.clone(),
            live.clone(),
            settings.indicators.params(),
            eval_interval,
            shutdown.clone(),
        ));
        let stages = Stages {
            city: city.clone(),
            store: store.clone() as Arc<dyn crate::store::ReadingWriter>,
            live: live.clone(),
            alerts: alerts.clone(),
            rejections: rejections.clone(),
            metrics: metrics.clone(),
        };
        let sizes = Sizes {
            ingest: &settings.ingest,
            store: &settings.store,
            topic_prefix: &settings.mqtt.topic_prefix,
        };
        let (pipeline, ends) = Pipeline::start(sizes, stages, shutdown.clone())
            .map_err(|e| AppError::Startup(format!("cannot start the store writer: {e}")))?;
        let ingest = Ingest::start(&settings.mqtt, &url, ends, &metrics, shutdown.clone())?;
        let (push, push_tasks) = crate::push::Push::start(
            settings.push.clone(),
            live.clone(),
            settings.indicators.params(),
            Some(alerts.clone() as Arc<dyn crate::push::AlertFeed>),
            metrics.push.clone(),
            shutdown.clone(),
        );

        let addr = settings.http.listen;
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|cause| AppError::HttpBind { addr, cause })?;
        let http_addr = listener.local_addr().map_err(AppError::Http)?;
        let view = LiveView::new(live.clone(), settings.indicators.params());
        let services = Services {
            history: HistoryService::new(
                view.clone(),
                store.clone(),
                settings.store.retention(),
                settings.store.max_points,
                export.as_ref().map(|e| e.flux.clone()),
            ),
            live: view,
            readiness: Readiness::new(
                ingest.status.clone(),
                store,
                metrics.clone(),
                export.as_ref().map(|e| e.status.clone()),
                settings.export.influxdb.warn_outbox_fill,
            ),
            gate: Gate::new(auth.clone(), limits.clone(), settings.http.max_body_bytes),
            reloader: RuleReloader::new(
                alerts.clone(),
                auth.clone(),
                settings.alerts.rules_path.clone(),
            ),
            alerts: alerts.clone(),
            auth,
            push,
            rejections,
            metrics: metrics.clone(),
        };
        crate::auth::spawn_pruner(limits.clone(), shutdown.clone());
        let timeout = Duration::from_secs(settings.http.shutdown_timeout_s);
        let server = serve::start(
            listener,
            services,
            settings.http.workers,
            timeout,
            settings.http.cors_allowed_origins.clone(),
        )
        .map_err(AppError::Http)?;
        let handle = server.handle();
        tracing::info!(%http_addr, city = %city.name, sensors = city.sensors.len(), broker = %format!("{}:{}", url.host, url.port), "ioc started");
        Ok(Application {
            http_addr,
            mqtt_addr: (url.host, url.port),
            server: handle,
            server_task: tokio::spawn(server),
            ingest,
            pipeline,
            retention,
            exporter: export.map(|e| e.task),
            evaluator,
            alerts,
            push: push_tasks,
            shutdown,
            live,
            metrics,
            bootstrap_token,
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
        self.pipeline.drained().await;
        self.ingest.closed().await;
        let _ = self.retention.await;
        let _ = self.evaluator.await;
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

async fn open_store(settings: &Settings, city: Arc<City>) -> Result<Arc<SqliteStore>, AppError> {
    let s = settings.store.clone();
    let outbox = settings
        .export
        .influxdb
        .enabled()
        .then_some(settings.export.influxdb.max_outbox_lines);
    let opened = tokio::task::spawn_blocking(move || {
        let store = SqliteStore::open(&s.path, city, s.retention(), s.durable_fsync())?;
        if let Some(max) = outbox {
            store.enable_outbox(max)?;
        }
        Ok::<_, StoreError>(store)
    })
    .await
    .map_err(|e| AppError::Startup(e.to_string()))??;
    tracing::info!(path = %opened.path().display(), "store open");
    Ok(Arc::new(opened))
}

/// Opens the alert rules and the alerts kept in the store's file (after the store, so the file
/// exists and is in WAL mode).
async fn open_alerts(settings: &Settings) -> Result<Arc<AlertService>, AppError> {
    let rules = match settings.alerts.rules_path.trim() {
        "" => RuleSet::builtin(),
        path => RuleSet::load(std::path::Path::new(path)),
    }?;
    let path = settings.store.path.clone();
    let service = tokio::task::spawn_blocking(move || {
        let repo = SqliteAlerts::open(&path)?;
        AlertService::open(rules, repo, crate::shell::now_ms())
    })
    .await
    .map_err(|e| AppError::Startup(e.to_string()))??;
    Ok(Arc::new(service))
}

/// Opens the API key and audit tables kept in the store's file (after the store).
async fn open_keys(settings: &Settings) -> Result<SqliteKeys, AppError> {
    let path = settings.store.path.clone();
    Ok(tokio::task::spawn_blocking(move || SqliteKeys::open(&path))
        .await
        .map_err(|e| AppError::Startup(e.to_string()))??)
}

/// The running exporter, and what serve needs from it.
struct Export {
    task: JoinHandle<()>,
    status: tokio::sync::watch::Receiver<ExportStatus>,
    flux: Arc<FluxClient>,
}

fn start_export(
    settings: &Settings,
    store: &Arc<SqliteStore>,
    metrics: &Arc<Metrics>,
    shutdown: &CancellationToken,
) -> Option<Export> {
    let cfg = settings.export.influxdb.clone();
    if !cfg.enabled() {
        return None;
    }
    let client = influxdb2::Client::new(cfg.url.trim(), &cfg.org, &cfg.token);
    let (status_tx, status) = tokio::sync::watch::channel(ExportStatus::default());
    let flux = Arc::new(FluxClient::new(client.clone(), cfg.bucket.clone()));
    tracing::info!(url = %cfg.url, bucket = %cfg.bucket, "exporting to InfluxDB");
    let task = tokio::spawn(run_exporter(
        store.clone(),
        client,
        cfg,
        metrics.clone(),
        status_tx,
        shutdown.clone(),
    ));
    Some(Export { task, status, flux })
}

/// The broker ingest connects to: the external one, or the embedded one started here.
fn broker_url(settings: &Settings) -> Result<BrokerUrl, AppError> {
    if !settings.uses_embedded_broker() {
        return BrokerUrl::parse(&settings.mqtt.url).map_err(|e| {
            AppError::Config(ConfigError::invalid(
                "mqtt.url",
                &settings.mqtt.url,
                e.to_string(),
            ))
        });
    }
    #[cfg(feature = "embedded-broker")]
    {
        crate::ingest::start_embedded_broker(&settings.broker)?;
        let listen = settings.broker.listen;
        let host = if listen.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            listen.ip()
        };
        Ok(BrokerUrl {
            host: host.to_string(),
            port: listen.port(),
            tls: false,
        })
    }
    #[cfg(not(feature = "embedded-broker"))]
    {
        let _ = (IpAddr::V4(Ipv4Addr::LOCALHOST),);
        Err(AppError::NoEmbeddedBroker)
    }
}
