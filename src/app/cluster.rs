//! A node's place in its cluster: its territory (the districts it owns), the link that
//! publishes its summary and hears its peers', and what `/readyz` says of them.

use tokio_util::sync::CancellationToken;

use super::AppError;
use crate::cluster::{ClusterStatus, Link, LinkParts};
use crate::config::{ConfigError, Settings};
use crate::model::City;
use crate::serve::Readiness;
use crate::snapshot::{SharedForeign, SnapshotRx, Territory};

/// A partition's territory: the districts it owns (`cluster.districts`, checked against the
/// city); `None` for a node that owns the whole city.
pub(super) fn territory(
    settings: &Settings,
    city: &City,
    foreign: &SharedForeign,
) -> Result<Option<Territory>, AppError> {
    let c = &settings.cluster;
    let owned = c.owned(city).map_err(ConfigError::from)?;
    if !c.enabled() || c.district_ids().is_empty() {
        return Ok(None);
    }
    let t = Territory::new(
        owned,
        c.stale_after_ms(),
        foreign.clone(),
        crate::shell::now_ms(),
    );
    Ok(Some(t))
}

/// The cluster link, when this node is part of a cluster.
pub(super) fn start_link(
    settings: &Settings,
    url: &crate::ingest::BrokerUrl,
    parts: LinkParts,
    shutdown: &CancellationToken,
) -> Result<Option<Link>, AppError> {
    if !settings.cluster.enabled() {
        return Ok(None);
    }
    let (c, m) = (&settings.cluster, &settings.mqtt);
    Ok(Some(Link::start(c, m, url, parts, shutdown.clone())?))
}

/// `readiness`, reporting the cluster when this node is part of one.
pub(super) fn with_cluster(
    readiness: Readiness,
    settings: &Settings,
    foreign: &SharedForeign,
    alerts: &std::sync::Arc<crate::alerts::AlertService>,
    snapshots: &SnapshotRx,
) -> Readiness {
    if !settings.cluster.enabled() {
        return readiness;
    }
    let status = ClusterStatus::new(settings.cluster.clone(), foreign.clone(), alerts.clone());
    readiness.with_cluster(status, snapshots.clone())
}

/// On a partition with `cluster.history_url`: the shared store, for the history of what it
/// does not own.
pub(super) fn shared_history(
    settings: &Settings,
    snapshots: &SnapshotRx,
) -> Result<Option<crate::serve::Shared>, AppError> {
    let url = settings.cluster.history_url.trim();
    let owned = snapshots.borrow().territory();
    let (Some(owned), false) = (owned, url.is_empty()) else {
        return Ok(None);
    };
    let client = crate::export::PromClient::new(url)
        .map_err(|e| AppError::Startup(format!("cluster.history_url: {e}")))?;
    Ok(Some(crate::serve::Shared {
        client: std::sync::Arc::new(client),
        owned,
    }))
}
