//! The one task that polls the MQTT event loop. It never awaits a publish, ack or subscribe
//! (those go through `AsyncClient`'s request channel, which this loop drains); its only await
//! besides `poll` is handing a message to the decoder queue, which is the back-pressure point.
//!
//! On shutdown it stops taking messages (closing the queue lets the pipeline drain) but keeps
//! polling, so the acknowledgements of what was already taken still reach the broker; once
//! the pipeline reports drained (or after `DRAIN_LIMIT`) it disconnects.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, Packet};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio_util::sync::CancellationToken;

use super::{AckToken, Backoff, RawMessage};
use crate::model::now_ms;
use crate::telemetry::Metrics;

/// The broker connection as readiness reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerStatus {
    pub up: bool,
    /// Unix ms of the last change.
    pub since: i64,
    /// Why the connection is down, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl BrokerStatus {
    pub fn connecting() -> Self {
        BrokerStatus {
            up: false,
            since: now_ms(),
            error: Some("connecting".into()),
        }
    }
}

/// How long shutdown waits for the pipeline to commit and acknowledge what it holds.
const DRAIN_LIMIT: Duration = Duration::from_secs(15);

pub(super) struct Connection {
    pub client: AsyncClient,
    /// `None` once shutdown began: new messages are left unacknowledged for redelivery.
    pub queue: Option<mpsc::Sender<RawMessage>>,
    pub status: watch::Sender<BrokerStatus>,
    pub resubscribe: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    pub backoff: Backoff,
    pub shutdown: CancellationToken,
}

impl Connection {
    pub async fn run(mut self, mut eventloop: EventLoop, mut drained: oneshot::Receiver<()>) {
        let mut connected_before = false;
        let drain_deadline = tokio::time::sleep(Duration::from_secs(365 * 86_400));
        tokio::pin!(drain_deadline);
        loop {
            let taking = self.queue.is_some();
            let event = tokio::select! {
                _ = self.shutdown.cancelled(), if taking => {
                    self.queue = None;
                    drain_deadline.as_mut().reset(tokio::time::Instant::now() + DRAIN_LIMIT);
                    continue;
                }
                _ = &mut drained, if !taking => break,
                _ = &mut drain_deadline, if !taking => {
                    tracing::warn!("shutdown: pipeline not drained in time; unacknowledged messages will be redelivered");
                    break;
                }
                event = eventloop.poll() => event,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    self.backoff.reset();
                    if connected_before {
                        self.metrics.mqtt_reconnects.inc();
                    }
                    connected_before = true;
                    tracing::info!(
                        session_present = ack.session_present,
                        "connected to MQTT broker"
                    );
                    self.metrics.mqtt_connected.set(1);
                    self.status.send_replace(BrokerStatus {
                        up: true,
                        since: now_ms(),
                        error: None,
                    });
                    self.resubscribe.notify_one();
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let Some(queue) = &self.queue else {
                        continue; // shutting down: not acknowledged, so the broker redelivers it
                    };
                    let ack = AckToken {
                        pkid: p.pkid,
                        qos: p.qos,
                    };
                    let msg = RawMessage {
                        topic: p.topic,
                        payload: p.payload,
                        received_ms: now_ms(),
                        ack,
                    };
                    // Back-pressure: when the pipeline lags, stop reading from the broker; it
                    // holds the rest (QoS 1, persistent session) instead of us dropping them.
                    let sent = tokio::select! {
                        _ = self.shutdown.cancelled() => {
                            self.queue = None;
                            drain_deadline.as_mut().reset(tokio::time::Instant::now() + DRAIN_LIMIT);
                            continue;
                        }
                        sent = queue.send(msg) => sent,
                    };
                    if sent.is_err() {
                        break;
                    }
                    self.metrics
                        .ingest_queue_messages
                        .set((queue.max_capacity() - queue.capacity()) as i64);
                }
                Ok(_) => {}
                Err(e) => {
                    let delay = self.backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "MQTT connection lost");
                    self.metrics.mqtt_connected.set(0);
                    self.metrics.mqtt_connection_errors.inc();
                    self.status.send_replace(BrokerStatus {
                        up: false,
                        since: now_ms(),
                        error: Some(e.to_string()),
                    });
                    // rumqttc has no delay of its own: without this sleep it would spin.
                    tokio::select! {
                        _ = self.shutdown.cancelled(), if self.queue.is_some() => {
                            self.queue = None;
                            drain_deadline.as_mut().reset(tokio::time::Instant::now() + DRAIN_LIMIT);
                        }
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
        self.disconnect(eventloop).await;
    }

    /// Sends DISCONNECT so the broker ends the connection cleanly and keeps our session.
    async fn disconnect(self, mut eventloop: EventLoop) {
        self.metrics.mqtt_connected.set(0);
        if !self.status.borrow().up || self.client.try_disconnect().is_err() {
            return;
        }
        let flushed = tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        });
        let _ = flushed.await;
        self.status.send_replace(BrokerStatus {
            up: false,
            since: now_ms(),
            error: Some("shut down".into()),
        });
    }
}
