//! What `/readyz` says of the cluster: who this node is, which peers it hears and whether
//! their summaries are fresh. A missing peer never makes a node unready: it still serves its
//! own districts, and its views name what is missing.

use serde_json::{json, Value};

use super::ClusterSettings;
use crate::alerts::AlertService;
use crate::indicators::Incomplete;
use crate::shell::lock;
use crate::snapshot::SharedForeign;

#[derive(Clone)]
pub struct ClusterStatus {
    settings: ClusterSettings,
    foreign: SharedForeign,
    alerts: std::sync::Arc<AlertService>,
}

impl ClusterStatus {
    pub fn new(
        settings: ClusterSettings,
        foreign: SharedForeign,
        alerts: std::sync::Arc<AlertService>,
    ) -> ClusterStatus {
        ClusterStatus {
            settings,
            foreign,
            alerts,
        }
    }

    /// `{"name", "node_id", "districts", "peers": [{"node_id", "last_summary", "districts",
    /// "fresh"}], "decides_alerts", "partial"}` at `now_ms`; `partial` is the latest
    /// snapshot's.
    pub fn report(&self, now_ms: i64, partial: Option<&Incomplete>) -> Value {
        let fresh_from = now_ms - self.settings.stale_after_ms();
        let peers: Vec<Value> = lock::lock(&self.foreign)
            .peers()
            .into_iter()
            .map(|(node, (last, districts))| {
                json!({
                    "node_id": &*node,
                    "last_summary": last,
                    "districts": districts,
                    "fresh": last >= fresh_from,
                })
            })
            .collect();
        let districts = match self.settings.district_ids().as_slice() {
            [] => json!("all"),
            ds => json!(ds),
        };
        json!({
            "name": self.settings.name,
            "node_id": self.settings.node_id,
            "districts": districts,
            "peers": peers,
            "decides_alerts": self.alerts.is_deciding(),
            "partial": partial,
        })
    }
}
