//! The one task that polls the MQTT event loop. It never awaits a publish or subscribe (those
//! go through `AsyncClient`'s request channel, which this loop drains); besides `poll`, it
//! awaits handing a message to the decoder queue, which is the back-pressure point, and it
//! writes the PUBACKs the commit stage hands it, in batches, at every await.
//!
//! On shutdown it stops taking messages (closing the queue lets the pipeline drain) but keeps
//! polling, so the acknowledgements of what was already taken still reach the broker; once
//! the pipeline reports drained (or after `DRAIN_LIMIT`) it disconnects.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, Packet, PubAck, QoS};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio_util::sync::CancellationToken;

use super::{AckToken, RawMessage};
use crate::shell::now_ms;
use crate::shell::Backoff;
use crate::telemetry::MqttMetrics;
use prometheus::IntGauge;

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

/// Acknowledgements written per batch (one flush each).
const ACK_BATCH: usize = 4096;

pub(super) struct Connection {
    pub client: AsyncClient,
    /// `None` once shutdown began: new messages are left unacknowledged for redelivery.
    pub queue: Option<mpsc::Sender<RawMessage>>,
    /// Acknowledgements from the commit stage, in arrival order, for this task to write.
    pub acks: mpsc::Receiver<AckToken>,
    /// CONNACKs so far: tags each message with the connection that delivered it.
    pub connection_no: u64,
    pub status: watch::Sender<BrokerStatus>,
    pub resubscribe: Arc<Notify>,
    pub metrics: MqttMetrics,
    /// Messages waiting in the pipeline's input (`ioc_ingest_queue_messages`).
    pub queue_depth: IntGauge,
    pub backoff: Backoff,
    pub shutdown: CancellationToken,
}

impl Connection {
    pub async fn run(mut self, mut eventloop: EventLoop, mut drained: oneshot::Receiver<()>) {
        let mut acks = Vec::with_capacity(ACK_BATCH);
        let mut acks_open = true;
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
                _ = &mut drained, if !taking => {
                    // The commit stage is done: write what it left, then disconnect.
                    while let Ok(a) = self.acks.try_recv() {
                        acks.push(a);
                    }
                    self.write_acks(&mut eventloop, &mut acks).await;
                    break;
                }
                _ = &mut drain_deadline, if !taking => {
                    tracing::warn!("shutdown: pipeline not drained in time; unacknowledged messages will be redelivered");
                    break;
                }
                n = self.acks.recv_many(&mut acks, ACK_BATCH), if acks_open => {
                    // 0: the commit stage ended; only its drained signal is left to wait for.
                    acks_open = n > 0;
                    self.write_acks(&mut eventloop, &mut acks).await;
                    continue;
                }
                event = eventloop.poll() => event,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => self.connected(ack.session_present),
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if self.queue.is_none() {
                        continue; // shutting down: not acknowledged, so the broker redelivers it
                    }
                    let msg = self.message(p);
                    match self.hand_on(msg, &mut eventloop, &mut acks).await {
                        HandOn::Queued => {}
                        HandOn::ShuttingDown => {
                            self.queue = None;
                            drain_deadline
                                .as_mut()
                                .reset(tokio::time::Instant::now() + DRAIN_LIMIT);
                        }
                        HandOn::PipelineGone => break,
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let delay = self.lost(&e);
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

    /// A CONNACK: the status is up, and the subscriber (re)subscribes.
    fn connected(&mut self, session_present: bool) {
        self.backoff.reset();
        if self.connection_no > 0 {
            self.metrics.reconnects.inc();
        }
        self.connection_no += 1;
        tracing::info!(session_present, "connected to MQTT broker");
        self.metrics.connected.set(1);
        self.status.send_replace(BrokerStatus {
            up: true,
            since: now_ms(),
            error: None,
        });
        self.resubscribe.notify_one();
    }

    /// A PUBLISH as the pipeline takes it, tagged with this connection for its ack.
    fn message(&self, p: rumqttc::Publish) -> RawMessage {
        RawMessage {
            topic: p.topic,
            payload: p.payload,
            received_ms: now_ms(),
            ack: AckToken {
                pkid: p.pkid,
                qos: p.qos,
                connection: self.connection_no,
            },
        }
    }

    /// The connection failed: the status says why; returns how long to wait before polling
    /// again (which reconnects).
    fn lost(&mut self, e: &rumqttc::ConnectionError) -> Duration {
        let delay = self.backoff.next_delay();
        tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "MQTT connection lost");
        self.metrics.connected.set(0);
        self.metrics.connection_errors.inc();
        self.status.send_replace(BrokerStatus {
            up: false,
            since: now_ms(),
            error: Some(e.to_string()),
        });
        delay
    }

    /// Hands a message to the decoder queue. Back-pressure: while the pipeline lags, we stop
    /// reading from the broker, which holds the rest (QoS 1, persistent session) instead of us
    /// dropping them; acknowledgements keep flowing meanwhile, so the pipeline can drain.
    async fn hand_on(
        &mut self,
        msg: RawMessage,
        eventloop: &mut EventLoop,
        acks: &mut Vec<AckToken>,
    ) -> HandOn {
        loop {
            let Some(queue) = &self.queue else {
                return HandOn::ShuttingDown;
            };
            tokio::select! {
                _ = self.shutdown.cancelled() => return HandOn::ShuttingDown,
                n = self.acks.recv_many(acks, ACK_BATCH) => {
                    if n == 0 {
                        return HandOn::PipelineGone;
                    }
                    write_acks(eventloop, acks, self.connection_no, &self.client).await;
                }
                permit = queue.reserve() => {
                    let Ok(permit) = permit else {
                        return HandOn::PipelineGone;
                    };
                    permit.send(msg);
                    self.queue_depth.set((queue.max_capacity() - queue.capacity()) as i64);
                    return HandOn::Queued;
                }
            }
        }
    }

    async fn write_acks(&self, eventloop: &mut EventLoop, acks: &mut Vec<AckToken>) {
        write_acks(eventloop, acks, self.connection_no, &self.client).await;
    }

    /// Sends DISCONNECT so the broker ends the connection cleanly and keeps our session.
    async fn disconnect(self, mut eventloop: EventLoop) {
        self.metrics.connected.set(0);
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

enum HandOn {
    Queued,
    ShuttingDown,
    PipelineGone,
}

/// Writes the PUBACKs of `acks` (in order) on the current connection and flushes once. Acks
/// from an earlier connection are dropped: their packet ids may name other messages now, and
/// the broker redelivers what they acknowledged.
async fn write_acks(
    eventloop: &mut EventLoop,
    acks: &mut Vec<AckToken>,
    current: u64,
    client: &AsyncClient,
) {
    let mut wrote = false;
    if let Some(network) = eventloop.network.as_mut() {
        for a in acks.iter().filter(|a| a.connection == current) {
            match a.qos {
                QoS::AtMostOnce => {}
                QoS::AtLeastOnce => {
                    if network
                        .write(Packet::PubAck(PubAck::new(a.pkid)))
                        .await
                        .is_err()
                    {
                        break; // the connection broke: poll reports it, the broker redelivers
                    }
                    wrote = true;
                }
                // Never delivered (ioc subscribes with QoS 1); rumqttc tracks the QoS 2 handshake.
                QoS::ExactlyOnce => {
                    let publish = rumqttc::Publish {
                        dup: false,
                        qos: a.qos,
                        retain: false,
                        topic: String::new(),
                        pkid: a.pkid,
                        payload: bytes::Bytes::new(),
                    };
                    let _ = client.try_ack(&publish);
                }
            }
        }
        if wrote {
            let _ = tokio::time::timeout(Duration::from_secs(10), network.flush()).await;
        }
    }
    acks.clear();
}
