//! Opening what the application runs on, each off the async executor where it touches the
//! disk: the store and the alerts' and keys' tables in its file, the exporter, the broker.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::AppError;
use crate::alerts::{AlertService, RuleSet};
use crate::config::{ConfigError, Settings};
use crate::export::{run_exporter, ExportStatus, FluxClient};
use crate::ingest::BrokerUrl;
use crate::model::City;
use crate::notify::{run_notifier, Alerts, Email, Messaging, Notifier, Transport, Webhook};
use crate::store::{SqliteAlerts, SqliteKeys, SqliteStore, StoreError};
use crate::telemetry::Metrics;

pub(super) async fn open_store(
    settings: &Settings,
    city: Arc<City>,
) -> Result<Arc<SqliteStore>, AppError> {
    let s = settings.store.clone();
    let outbox = settings
        .export
        .influxdb
        .enabled()
        .then_some(settings.export.influxdb.max_outbox_lines);
    let opened = tokio::task::spawn_blocking(move || {
        let store = SqliteStore::open(&s.path, city, s.retention(), s.durable_fsync())?;
        store.set_rollup_flush_interval(s.rollup_flush_interval());
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
pub(super) async fn open_alerts(settings: &Settings) -> Result<Arc<AlertService>, AppError> {
    let rules = match settings.alerts.rules_path.trim() {
        "" => RuleSet::builtin(),
        path => RuleSet::load(std::path::Path::new(path)),
    }?;
    let path = settings.store.path.clone();
    let routes = settings.notify.routes();
    let service = tokio::task::spawn_blocking(move || {
        let repo = SqliteAlerts::open(&path)?;
        let repo = if routes.is_empty() {
            repo
        } else {
            repo.with_notify(routes)?
        };
        AlertService::open(rules, repo, crate::shell::now_ms())
    })
    .await
    .map_err(|e| AppError::Startup(e.to_string()))??;
    if settings.cluster.enabled() {
        // A node of a cluster follows until its link has heard its peers and given it its
        // role: it never decides an alert on a possibly stale store of its own.
        service.set_role(false, None);
    }
    Ok(Arc::new(service))
}

/// Opens the API key and audit tables kept in the store's file (after the store).
pub(super) async fn open_keys(settings: &Settings) -> Result<SqliteKeys, AppError> {
    let path = settings.store.path.clone();
    Ok(tokio::task::spawn_blocking(move || SqliteKeys::open(&path))
        .await
        .map_err(|e| AppError::Startup(e.to_string()))??)
}

/// The running exporter, and what serve needs from it.
pub(super) struct Export {
    pub task: JoinHandle<()>,
    pub status: tokio::sync::watch::Receiver<ExportStatus>,
    pub flux: Arc<FluxClient>,
}

pub(super) fn start_export(
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

/// The broker ingest connects to: the external one, or the embedded one started here, whose
/// ioc credential (generated at start) then replaces `mqtt.username` / `mqtt.password`.
pub(super) fn broker_url(settings: &mut Settings) -> Result<BrokerUrl, AppError> {
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
        let ioc = crate::ingest::start_embedded_broker(&settings.broker, &settings.mqtt)?;
        settings.mqtt.username = ioc.username;
        settings.mqtt.password = ioc.password;
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

/// A notifier per configured channel (`notify.webhook_url`, `notify.email_smtp_url`); each
/// delivers its outbox while this node decides alerts.
pub(super) fn start_notifiers(
    settings: &Settings,
    alerts: &Arc<AlertService>,
    zone: &crate::model::Zone,
    metrics: &Metrics,
    shutdown: &CancellationToken,
) -> Result<Vec<JoinHandle<()>>, AppError> {
    let n = &settings.notify;
    let mut transports = Vec::new();
    if n.webhook() {
        let secret = n.secret().map_err(|e| {
            AppError::Startup(format!(
                "notify.webhook_secret_file {:?}: {e}",
                n.webhook_secret_file
            ))
        })?;
        let timeout = std::time::Duration::from_secs(n.timeout_s);
        let webhook = Webhook::new(&n.webhook_url, secret, timeout)
            .map_err(|e| AppError::Startup(format!("the webhook client: {e}")))?;
        transports.push(Transport::Webhook(webhook));
    }
    if n.email() {
        let email =
            Email::new(&n.email_smtp_url, &n.email_from, &n.email_to).map_err(AppError::Startup)?;
        transports.push(Transport::Email(Box::new(email)));
    }
    let timeout = std::time::Duration::from_secs(n.timeout_s);
    for m in &n.messaging {
        let channel = Messaging::new(m, timeout).map_err(AppError::Startup)?;
        transports.push(Transport::Messaging(Box::new(channel)));
    }
    let mut tasks = Vec::new();
    for transport in transports {
        let channel = transport.channel().to_owned();
        let repo = crate::store::SqliteNotify::open(&settings.store.path, &channel)?;
        let (a, b) = (alerts.clone(), alerts.clone());
        let alerts = Alerts {
            deciding: Box::new(move || a.is_deciding()),
            open: Box::new(move || b.open_alerts()),
        };
        let quiet = n.quiet(zone);
        let notifier = Notifier::new(
            Box::new(repo),
            transport,
            n,
            alerts,
            metrics.notify.clone(),
            quiet,
        );
        tracing::info!(%channel, quiet_hours = %n.quiet_hours, "notifications are on");
        tasks.push(tokio::spawn(run_notifier(notifier, shutdown.clone())));
    }
    Ok(tasks)
}
