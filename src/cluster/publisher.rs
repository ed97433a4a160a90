//! What a node publishes, retained, on its own topics: its summary every
//! `cluster.summary_interval_ms` and at every (re)connection; its key table when it changes;
//! and, when it stops, the goodbye.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, QoS};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::keys;
use super::summary::{gone, summarise};
use crate::alerts::AlertService;
use crate::auth::{Auth, KeyRecord};
use crate::shell::now_ms;
use crate::snapshot::SnapshotRx;

/// How often the key table is compared with the one last published (keys made with the CLI).
const KEY_POLL: Duration = Duration::from_secs(5);

/// How long a stopping node waits for its `gone` to leave.
pub(super) const GOODBYE: Duration = Duration::from_secs(2);

/// Who this node is, and where it publishes.
#[derive(Clone)]
pub(super) struct Me {
    pub cluster: String,
    pub node_id: String,
    /// This node's summary topic.
    pub topic: String,
    /// This node's key table topic.
    pub keys_topic: String,
}

pub(super) struct Publisher {
    pub me: Me,
    pub client: AsyncClient,
    pub snapshots: SnapshotRx,
    pub alerts: Arc<AlertService>,
    pub auth: Arc<Auth>,
    pub every: Duration,
    pub connected: Arc<Notify>,
}

impl Publisher {
    /// Publishes until `shutdown`, then says goodbye and disconnects.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut key_poll = tokio::time::interval(KEY_POLL);
        let mut key_changes = self.auth.key_changes();
        let mut published: Option<Vec<KeyRecord>> = None;
        loop {
            // Keys: at once on a change made here; at every (re)connection (a broker without
            // persistence forgot the retained table); and by polling, for keys that
            // `ioc keys` made in the store beside the running node.
            let keys_due = tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => false,
                _ = key_poll.tick() => true,
                _ = key_changes.changed() => true,
                _ = self.connected.notified() => {
                    published = None;
                    true
                }
            };
            if keys_due && !self.send_keys(&mut published, &shutdown).await {
                break;
            }
            let snap = self.snapshots.borrow().clone();
            let open = self.alerts.open_alerts();
            let summary = summarise(&self.me.cluster, &self.me.node_id, &snap, &open);
            if !self.send(&self.me.topic, &summary, &shutdown).await {
                break;
            }
        }
        let bye = gone(&self.me.cluster, &self.me.node_id, now_ms());
        let goodbye = async {
            self.send(&self.me.topic, &bye, &CancellationToken::new())
                .await;
            let _ = self.client.disconnect().await;
        };
        if tokio::time::timeout(GOODBYE, goodbye).await.is_err() {
            tracing::warn!("cluster link: goodbye not sent (broker unreachable); peers will see this node's summary go stale");
        }
    }

    /// Publishes this node's key table when it differs from the one last `published`. False
    /// when `stop` fired first.
    async fn send_keys(
        &self,
        published: &mut Option<Vec<KeyRecord>>,
        stop: &CancellationToken,
    ) -> bool {
        let table = match keys::table(&self.auth, &self.me.cluster, &self.me.node_id).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cluster key table not read");
                return true;
            }
        };
        if published.as_ref() == Some(&table.keys) {
            return true;
        }
        let sent = self.send(&self.me.keys_topic, &table, stop).await;
        *published = Some(table.keys);
        sent
    }

    /// Publishes `message` retained on `topic`. False when `stop` fired before the request
    /// could be queued.
    async fn send(
        &self,
        topic: &str,
        message: &impl serde::Serialize,
        stop: &CancellationToken,
    ) -> bool {
        let Ok(bytes) = serde_json::to_vec(message) else {
            return true;
        };
        tokio::select! {
            _ = stop.cancelled() => false,
            r = self.client.publish(topic, QoS::AtLeastOnce, true, bytes) => {
                if let Err(e) = r {
                    tracing::warn!(%topic, error = %e, "cluster message not queued");
                }
                true
            }
        }
    }
}
