//! The thin async shell: a broker connection of its own (clean session, so a restart starts
//! from the retained summaries; its last will is this node's `gone`), which publishes this
//! node's summary every `cluster.summary_interval_ms`, retained, and folds every peer's into
//! the snapshot's [`Foreign`](crate::snapshot::Foreign). Readings never pass here: the ingest
//! connection stays as it is.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, LastWill, Outgoing, Packet, QoS};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::summary::{gone, heard, summarise, Heard};
use super::ClusterSettings;
use crate::alerts::AlertService;
use crate::ingest::{mqtt_options, BrokerUrl, MqttSettings, OptionsError};
use crate::model::City;
use crate::shell::{lock, now_ms, Backoff};
use crate::snapshot::{SharedForeign, SnapshotRx};

/// What the link reads and fills.
pub struct LinkParts {
    pub city: Arc<City>,
    pub snapshots: SnapshotRx,
    pub alerts: Arc<AlertService>,
    pub foreign: SharedForeign,
}

/// The running link.
pub struct Link {
    listener: JoinHandle<()>,
    publisher: JoinHandle<()>,
    /// Stops the listener when the goodbye's Disconnect never comes back (broker gone).
    done: CancellationToken,
}

/// How long a stopping node waits for its `gone` to leave.
const GOODBYE: Duration = Duration::from_secs(2);

/// Who this node is on the summary topic.
#[derive(Clone)]
struct Me {
    cluster: String,
    node_id: String,
    topic: String,
}

impl Link {
    pub fn start(
        settings: &ClusterSettings,
        mqtt: &MqttSettings,
        url: &BrokerUrl,
        parts: LinkParts,
        shutdown: CancellationToken,
    ) -> Result<Link, OptionsError> {
        let me = Me {
            cluster: settings.name.clone(),
            node_id: settings.node_id.clone(),
            topic: format!("{}/{}", settings.summary_topic(), settings.node_id),
        };
        let mut m = mqtt.clone();
        m.client_id = format!("{}-summary", settings.ingest_client_id(&mqtt.client_id));
        let mut options = mqtt_options(&m, url)?;
        options.set_clean_session(true);
        let will =
            serde_json::to_vec(&gone(&me.cluster, &me.node_id, now_ms())).unwrap_or_default();
        options.set_last_will(LastWill::new(&me.topic, will, QoS::AtLeastOnce, true));
        let (client, eventloop) = AsyncClient::new(options, 16);
        let connected = Arc::new(Notify::new());
        let done = CancellationToken::new();
        let filter = format!("{}/+", settings.summary_topic());
        let listener = Listener {
            me: me.clone(),
            city: parts.city,
            foreign: parts.foreign,
            client: client.clone(),
            filter,
            connected: connected.clone(),
            backoff: Backoff::new(mqtt.reconnect_initial_ms, mqtt.reconnect_max_ms),
        };
        let publisher = Publisher {
            me,
            client,
            snapshots: parts.snapshots,
            alerts: parts.alerts,
            every: Duration::from_millis(settings.summary_interval_ms),
            connected,
        };
        Ok(Link {
            listener: tokio::spawn(listener.run(eventloop, shutdown.clone(), done.clone())),
            publisher: tokio::spawn(publisher.run(shutdown)),
            done,
        })
    }

    /// Waits until the link has said goodbye and closed. Call after cancelling the shutdown
    /// token.
    pub async fn closed(self) {
        let _ = self.publisher.await;
        let mut listener = self.listener;
        if tokio::time::timeout(GOODBYE, &mut listener).await.is_err() {
            self.done.cancel();
            let _ = listener.await;
        }
    }
}

struct Listener {
    me: Me,
    city: Arc<City>,
    foreign: SharedForeign,
    client: AsyncClient,
    filter: String,
    connected: Arc<Notify>,
    backoff: Backoff,
}

impl Listener {
    /// Polls the event loop until the goodbye is sent (or `done` gives up on it).
    async fn run(
        mut self,
        mut events: EventLoop,
        shutdown: CancellationToken,
        done: CancellationToken,
    ) {
        loop {
            let event = tokio::select! {
                _ = done.cancelled() => return,
                e = events.poll() => e,
            };
            match event {
                Ok(Event::Incoming(Packet::Publish(p))) => self.hear(&p.topic, &p.payload),
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    self.backoff.reset();
                    tracing::info!(topic = %self.filter, "cluster link connected");
                    // try_subscribe: this task drains the request channel, so it must not wait.
                    if let Err(e) = self.client.try_subscribe(&self.filter, QoS::AtLeastOnce) {
                        tracing::warn!(error = %e, "cluster summary subscription not sent");
                    }
                    self.connected.notify_one();
                }
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(e) if shutdown.is_cancelled() => {
                    tracing::debug!(error = %e, "cluster link closed");
                    return;
                }
                Err(e) => {
                    let wait = self.backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cluster link lost");
                    tokio::select! {
                        _ = done.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    fn hear(&self, topic: &str, payload: &[u8]) {
        if payload.is_empty() {
            return; // a retained summary cleared by hand
        }
        match heard(payload, &self.me.cluster, &self.city) {
            Ok(Heard::Districts(node, _)) if *node == *self.me.node_id => {}
            Ok(Heard::Districts(_, districts)) => {
                let mut foreign = lock::lock(&self.foreign);
                for (d, remote) in districts {
                    foreign.offer(d, remote);
                }
            }
            Ok(Heard::Gone(node)) => {
                tracing::info!(node = %node, "cluster peer stopped");
                lock::lock(&self.foreign).forget(&node);
            }
            Err(e) => tracing::warn!(%topic, reason = %e, "cluster summary refused"),
        }
    }
}

struct Publisher {
    me: Me,
    client: AsyncClient,
    snapshots: SnapshotRx,
    alerts: Arc<AlertService>,
    every: Duration,
    connected: Arc<Notify>,
}

impl Publisher {
    /// Publishes a summary every interval and at every (re)connection; on shutdown, the
    /// goodbye, then disconnects.
    async fn run(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
                _ = self.connected.notified() => {}
            }
            let snap = self.snapshots.borrow().clone();
            let summary = summarise(
                &self.me.cluster,
                &self.me.node_id,
                &snap,
                &self.alerts.open_alerts(),
            );
            if !self.send(&summary, &shutdown).await {
                break;
            }
        }
        let bye = gone(&self.me.cluster, &self.me.node_id, now_ms());
        let goodbye = async {
            self.send(&bye, &CancellationToken::new()).await;
            let _ = self.client.disconnect().await;
        };
        if tokio::time::timeout(GOODBYE, goodbye).await.is_err() {
            tracing::warn!("cluster link: goodbye not sent (broker unreachable); peers will see this node's summary go stale");
        }
    }

    /// False when `stop` fired before the request could be queued.
    async fn send(&self, s: &super::summary::Summary, stop: &CancellationToken) -> bool {
        let Ok(bytes) = serde_json::to_vec(s) else {
            return true;
        };
        tokio::select! {
            _ = stop.cancelled() => false,
            r = self.client.publish(&self.me.topic, QoS::AtLeastOnce, true, bytes) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "cluster summary not queued");
                }
                true
            }
        }
    }
}
