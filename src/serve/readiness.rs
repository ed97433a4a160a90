//! [`Readiness`]: what `/readyz` reports, per dependency — the broker connection, the store,
//! and (when configured) the export to InfluxDB, which warns but never makes ioc unready; on a
//! node of a cluster, its peers, which never make it unready either.

use std::sync::Arc;

use actix_web::web;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::cluster::ClusterStatus;
use crate::export::ExportStatus;
use crate::ingest::BrokerStatus;
use crate::snapshot::SnapshotRx;
use crate::store::Health;
use crate::telemetry::Metrics;

pub struct Readiness {
    broker: watch::Receiver<BrokerStatus>,
    store: Arc<dyn Health>,
    /// The store's own health gauges (`store.up`, `store.sync_failed`).
    metrics: Arc<Metrics>,
    /// Present when export to InfluxDB is configured.
    export: Option<watch::Receiver<ExportStatus>>,
    /// Warn above this outbox fill (`export.influxdb.warn_outbox_fill`).
    warn_outbox_fill: f64,
    /// Present on a node of a cluster, with the snapshot whose `partial` it reports.
    cluster: Option<(ClusterStatus, SnapshotRx)>,
}

impl Readiness {
    pub fn new(
        broker: watch::Receiver<BrokerStatus>,
        store: Arc<dyn Health>,
        metrics: Arc<Metrics>,
        export: Option<watch::Receiver<ExportStatus>>,
        warn_outbox_fill: f64,
    ) -> Readiness {
        Readiness {
            broker,
            store,
            metrics,
            export,
            warn_outbox_fill,
            cluster: None,
        }
    }

    /// Reports the cluster too (never a reason to be unready).
    pub fn with_cluster(mut self, status: ClusterStatus, snapshots: SnapshotRx) -> Readiness {
        self.cluster = Some((status, snapshots));
        self
    }

    /// Whether every dependency is up, and the report: each check with its error, and
    /// warnings.
    pub async fn report(&self) -> (bool, Value) {
        let broker = self.broker.borrow().clone();
        let store_error = self.store_error().await;
        let ready = broker.up && store_error.is_none();
        let check = |up: bool, error: Option<String>| -> Value {
            json!({ "status": if up { "up" } else { "down" }, "error": error })
        };
        let mut broker_check = check(broker.up, broker.error);
        broker_check["since"] = json!(broker.since);
        let mut body = json!({
            "status": if ready { "ready" } else { "not_ready" },
            "checks": { "broker": broker_check, "store": check(store_error.is_none(), store_error) },
            "warnings": [],
        });
        if let Some(export) = &self.export {
            let status = export.borrow().clone();
            self.add_export(&mut body, &status);
        }
        if let Some((cluster, snapshots)) = &self.cluster {
            let snap = snapshots.borrow().clone();
            body["cluster"] = cluster.report(crate::shell::now_ms(), snap.areas().partial.as_ref());
        }
        (ready, body)
    }

    /// Why the store cannot take writes, if it cannot. The check runs off the executor.
    async fn store_error(&self) -> Option<String> {
        let store = self.store.clone();
        match web::block(move || store.check()).await {
            Ok(Ok(())) if self.metrics.store.sync_failed.get() == 1 => Some(
                "an fsync of the store failed; nothing more is acknowledged: restart ioc"
                    .to_owned(),
            ),
            Ok(Ok(())) if self.metrics.store.up.get() == 1 => None,
            Ok(Ok(())) => Some("the last write failed; ingest is paused and retrying".to_owned()),
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        }
    }

    /// Export trouble never makes ioc unready: ingest and the API work without it.
    fn add_export(&self, body: &mut Value, status: &ExportStatus) {
        let outbox = self.store.outbox_stats();
        let fill = outbox.lines as f64 / outbox.max_lines.max(1) as f64;
        body["checks"]["export"] = json!({
            "status": if status.error.is_none() { "up" } else { "down" },
            "error": status.error,
            "last_success": status.last_success,
            "outbox_lines": outbox.lines,
            "outbox_max_lines": outbox.max_lines,
            "outbox_dropped_lines": outbox.dropped,
        });
        if fill >= self.warn_outbox_fill {
            body["warnings"] = json!([format!("export outbox is {:.0}% full ({} of {} lines); InfluxDB has not accepted writes since {:?}", fill * 100.0, outbox.lines, outbox.max_lines, status.last_success)]);
        }
    }
}
