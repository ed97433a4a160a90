//! Each night, just after local midnight, the day before's reports are kept for download
//! (`report::KeptReports`, listed by `GET /api/v1/reports`): every kind, for every district
//! this node owns, made by the history service as a request would make them. A day missing
//! at start (ioc was down at midnight) is made then; days past `reports.keep_days` go.
//! Cost: once a day, one report read per kind and district, off the executor.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{AppError, Wired};
use crate::auth::{Principal, Role, Scope};
use crate::config::{ConfigError, Settings};
use crate::model::City;
use crate::report::{KeptReports, Kind, Params};
use crate::serve::{HistoryService, LiveView, ReportQuery};
use crate::shell::now_ms;

/// Readings stamped just before midnight are still arriving at midnight: the day is made
/// this long after it ends.
const GRACE: Duration = Duration::from_secs(60);
const DAY_MS: i64 = 86_400_000;

/// The history service of the HTTP API; with `reports.daily`, it also keeps each night's
/// reports, made by the task this starts.
pub(super) fn history(
    settings: &Settings,
    w: &Wired<'_>,
    view: LiveView,
    shutdown: &CancellationToken,
) -> Result<Arc<HistoryService>, AppError> {
    let history = HistoryService::new(
        view.clone(),
        w.parts.store.clone(),
        settings.store.retention(),
        settings.store.max_points,
        w.export.map(|e| e.flux.clone()),
    )
    .with_shared(super::cluster::shared_history(settings, w.snapshots)?)
    .with_territory(w.snapshots.borrow().territory())
    .with_params(Params::from(&settings.indicators));
    if !settings.reports.daily {
        return Ok(Arc::new(history));
    }
    let kept = KeptReports::new(settings.reports.dir_for(&settings.store.path));
    // A node that kept reports before makes a day it missed; a first run starts at midnight.
    let catch_up = kept.dir().is_dir();
    let history = Arc::new(history.with_kept(kept.clone()));
    let city = view.read().city().clone();
    let owned = settings.cluster.owned(&city).map_err(ConfigError::from)?;
    let nightly = Nightly {
        history: history.clone(),
        kept,
        city,
        owned,
        keep_days: settings.reports.keep_days,
    };
    start(nightly, catch_up, shutdown.clone());
    Ok(history)
}

struct Nightly {
    history: Arc<HistoryService>,
    kept: KeptReports,
    city: Arc<City>,
    /// The districts this node owns, by index (all of them outside a partition).
    owned: Vec<bool>,
    keep_days: u32,
}

fn start(n: Nightly, mut catch_up: bool, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = now_ms();
            let Ok(today) = n.city.zone.period_days(&n.city.zone.date_of(now)) else {
                tracing::error!("the city's calendar has no today; no report is kept");
                return;
            };
            let (midnight, next) = (today[0], today[today.len() - 1]);
            if std::mem::replace(&mut catch_up, true) {
                let yesterday = n.city.zone.date_of(midnight - 1);
                n.keep(&yesterday).await;
                n.prune(now).await;
            }
            let wait = Duration::from_millis((next - now_ms()).max(0) as u64) + GRACE;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}

impl Nightly {
    fn districts(&self) -> Vec<String> {
        self.city
            .districts
            .iter()
            .zip(&self.owned)
            .filter(|(_, owned)| **owned)
            .map(|(d, _)| d.id.clone())
            .collect()
    }

    /// The (kind, district) pairs of `date` not kept yet; looked up off the executor.
    async fn missing(&self, date: &str) -> Vec<(Kind, String)> {
        let (kept, date, districts) = (self.kept.clone(), date.to_owned(), self.districts());
        let found = tokio::task::spawn_blocking(move || {
            Kind::ALL
                .into_iter()
                .flat_map(|k| districts.iter().map(move |d| (k, d.clone())))
                .filter(|(k, d)| !kept.has(&date, k.name(), d))
                .collect()
        });
        found.await.unwrap_or_default()
    }

    /// Makes and keeps `date`'s reports that are not kept yet.
    async fn keep(&self, date: &str) {
        let system = Principal {
            id: "system:daily-reports".into(),
            role: Role::Admin,
            scope: Scope::default(),
        };
        let missing = self.missing(date).await;
        for (kind, district) in missing {
            let q = ReportQuery {
                kind: kind.name().to_owned(),
                date: Some(date.to_owned()),
                month: None,
                district: Some(district.clone()),
                tz: None,
            };
            let report = match self.history.report(&system, q).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(kind = kind.name(), %date, %district, error = %e, "a daily report could not be made");
                    continue;
                }
            };
            let kept = self.kept.clone();
            let saved = tokio::task::spawn_blocking(move || kept.save(&report, &district)).await;
            match saved {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "a daily report could not be kept"),
                Err(e) => tracing::warn!(error = %e, "the task keeping a daily report failed"),
            }
        }
        tracing::info!(%date, dir = %self.kept.dir().display(), "daily reports kept");
    }

    async fn prune(&self, now: i64) {
        let oldest = self
            .city
            .zone
            .date_of(now - i64::from(self.keep_days) * DAY_MS);
        let kept = self.kept.clone();
        match tokio::task::spawn_blocking(move || kept.prune(&oldest)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(days = n, "kept reports past reports.keep_days deleted"),
            Ok(Err(e)) => tracing::warn!(error = %e, "old kept reports could not be deleted"),
            Err(e) => tracing::warn!(error = %e, "the task deleting old kept reports failed"),
        }
    }
}
