//! Incidents and events: their services opened beside the alerts (their tables are in the
//! store's file), and the service-level watch.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::AppError;
use crate::alerts::{AlertService, Observation, Subject};
use crate::config::Settings;
use crate::events::EventService;
use crate::incidents::{breach_counts, IncidentService, Procedures, SLA_SIGNAL};
use crate::model::City;
use crate::store::{SqliteEvents, SqliteIncidents};

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
