//! Incidents and events: their services opened beside the alerts (their tables are in the
//! store's file), the service-level watch, and the events' own MQTT session.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::AppError;
use crate::alerts::{AlertService, Observation, Subject};
use crate::config::Settings;
use crate::events::{Arrival, EventService, ReceiveError, Received};
use crate::incidents::{breach_counts, IncidentService, Procedures, SLA_SIGNAL};
use crate::ingest::{AckToken, AdapterEnds, BrokerUrl, Ingest, RawMessage};
use crate::model::City;
use crate::store::{SqliteEvents, SqliteIncidents};
use crate::telemetry::{EventMetrics, Metrics};

/// The domain of the alerts the service-level watch raises.
pub const OPERATIONS_DOMAIN: &str = "operations";

pub(super) struct Operations {
    pub incidents: Arc<IncidentService>,
    pub events: Arc<EventService>,
}

/// Loads the procedures (checking each category's domain against the city and the event
/// rules' categories against the procedures) and opens both services.
pub(super) async fn open(settings: &Settings, city: Arc<City>) -> Result<Operations, AppError> {
    let procedures = Procedures::load(settings.incidents.procedures.trim())
        .map_err(|e| AppError::Startup(format!("{e} (incidents.procedures)")))?;
    if let Some(c) = procedures
        .categories
        .iter()
        .find(|c| city.domain_idx(&c.domain).is_none())
    {
        return Err(AppError::Startup(format!(
            "procedures: category {} names domain {:?}, which the city does not have; its domains: {} (incidents.procedures)",
            c.id,
            c.domain,
            city.domain_names()
        )));
    }
    crate::events::validate_rules(&settings.events.rules, Some(&procedures))
        .map_err(|e| AppError::Startup(e.to_string()))?;
    let path = settings.store.path.clone();
    let routes = settings.notify.routes();
    let (incidents, events) = tokio::task::spawn_blocking(move || {
        let incidents = SqliteIncidents::open(&path)?;
        let incidents = if routes.is_empty() {
            incidents
        } else {
            incidents.with_notify(routes)?
        };
        Ok::<_, crate::shell::RepoError>((incidents, SqliteEvents::open(&path)?))
    })
    .await
    .map_err(|e| AppError::Startup(e.to_string()))??;
    let incidents = Arc::new(IncidentService::new(Box::new(incidents), procedures));
    let events = Arc::new(EventService::new(
        Box::new(events),
        city,
        settings.events.rules.clone(),
        incidents.clone(),
    ));
    Ok(Operations { incidents, events })
}

/// Every `every`: records the service levels missed, and tells the alert rules how many
/// incidents of each district are past one (`incident_sla_breaches`), so the rule
/// `incident-sla-breach` fires and resolves with them.
pub(super) async fn run_sla(
    incidents: Arc<IncidentService>,
    alerts: Arc<AlertService>,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut told: BTreeSet<String> = alerts
        .open_alerts()
        .into_iter()
        .filter(|a| a.signal == SLA_SIGNAL)
        .filter_map(|a| a.district)
        .collect();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let (i, a, before) = (incidents.clone(), alerts.clone(), told.clone());
        match tokio::task::spawn_blocking(move || sla_step(&i, &a, before)).await {
            Ok(Ok(now_told)) => told = now_told,
            Ok(Err(e)) => tracing::warn!(error = %e, "the service-level watch could not look"),
            Err(e) => tracing::warn!(error = %e, "the service-level watch failed"),
        }
    }
}

/// One look; returns the districts that now have breaches.
fn sla_step(
    incidents: &IncidentService,
    alerts: &AlertService,
    told: BTreeSet<String>,
) -> Result<BTreeSet<String>, crate::shell::RepoError> {
    let now = crate::shell::now_ms();
    incidents.check_sla(now)?;
    let counts = breach_counts(&incidents.open_incidents()?);
    let districts: BTreeSet<&String> = counts.keys().chain(told.iter()).collect();
    let obs: Vec<Observation> = districts
        .into_iter()
        .map(|d| Observation {
            subject: Subject::district(d.as_str()),
            domain: OPERATIONS_DOMAIN.into(),
            district: Some(d.as_str().into()),
            sensor: None,
            signal: SLA_SIGNAL.into(),
            value: f64::from(counts.get(d).copied().unwrap_or(0)),
            ts_ms: now,
        })
        .collect();
    alerts.observe_all(&obs, now)?;
    Ok(counts.into_keys().collect())
}

/// Starts the events' MQTT session (`{client_id}-events`, subscribed to
/// `{prefix}/events/{district|+}/+`) and the worker that stores each event before its ack.
pub(super) fn start_mqtt(
    settings: &Settings,
    url: &BrokerUrl,
    events: Arc<EventService>,
    metrics: &Metrics,
    shutdown: CancellationToken,
) -> Result<(Ingest, JoinHandle<()>), AppError> {
    let (messages, queue) = mpsc::channel(64);
    let (ack_tx, acks) = mpsc::channel(64);
    let (drained_tx, drained) = oneshot::channel();
    let mut mqtt = settings.mqtt.clone();
    mqtt.client_id = format!(
        "{}-events",
        settings.cluster.ingest_client_id(&settings.mqtt.client_id)
    );
    let filters = Ingest::event_filters(&mqtt.topic_prefix, &settings.cluster.district_ids());
    let ends = AdapterEnds {
        messages,
        acks,
        drained,
    };
    let ingest = Ingest::start(&mqtt, url, filters, ends, metrics, shutdown)?;
    let worker = Worker {
        events,
        prefix: format!("{}/events/", mqtt.topic_prefix),
        metrics: metrics.events.clone(),
    };
    let task = tokio::spawn(worker.run(queue, ack_tx, drained_tx));
    Ok((ingest, task))
}

struct Worker {
    events: Arc<EventService>,
    prefix: String,
    metrics: EventMetrics,
}

impl Worker {
    /// Stores each event in arrival order and hands its ack back; an invalid one is logged
    /// with its reason and acknowledged (redelivery would not change the verdict). One whose
    /// storage failed is not acknowledged: the broker delivers it again after a reconnect.
    async fn run(
        self,
        mut queue: mpsc::Receiver<RawMessage>,
        acks: mpsc::Sender<AckToken>,
        drained: oneshot::Sender<()>,
    ) {
        while let Some(msg) = queue.recv().await {
            if self.handle(&msg).await && acks.send(msg.ack).await.is_err() {
                break;
            }
        }
        drop(acks);
        let _ = drained.send(());
    }

    async fn handle(&self, msg: &RawMessage) -> bool {
        let rest = msg.topic.strip_prefix(&self.prefix).unwrap_or_default();
        let (district, source) = match rest.split('/').collect::<Vec<_>>().as_slice() {
            [d, s] if !d.is_empty() && !s.is_empty() => ((*d).to_owned(), (*s).to_owned()),
            _ => {
                tracing::warn!(topic = %crate::model::truncate(&msg.topic, 200), "event refused: expected {{prefix}}/events/{{district}}/{{source}}");
                self.count("invalid_topic");
                return true;
            }
        };
        let (events, payload, at) = (self.events.clone(), msg.payload.clone(), msg.received_ms);
        let outcome = tokio::task::spawn_blocking(move || {
            let arrival = Arrival {
                topic_district: Some(&district),
                source: &source,
                received_ms: at,
            };
            events.receive(&payload, arrival, &|_| true)
        })
        .await;
        match outcome {
            Ok(Ok(Received::Stored(e))) => {
                tracing::info!(event = %e.id, kind = e.kind.as_str(), district = %e.district, incident = ?e.incident, "event stored");
                self.count("stored");
                true
            }
            Ok(Ok(Received::Duplicate(_))) => {
                self.count("duplicate");
                true
            }
            Ok(Err(ReceiveError::Invalid(e))) => {
                tracing::warn!(topic = %crate::model::truncate(&msg.topic, 200), reason = e.code(), "event refused: {e}");
                self.count(e.code());
                true
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "event not stored; the broker will deliver it again");
                false
            }
            Err(e) => {
                tracing::error!(error = %e, "event storage task failed; the broker will deliver it again");
                false
            }
        }
    }

    fn count(&self, result: &str) {
        self.metrics
            .received
            .with_label_values(&["mqtt", result])
            .inc();
    }
}
