//! Ingest: the MQTT adapter. It connects to the broker (external, or the embedded rumqttd),
//! subscribes, yields every message as a [`RawMessage`] into the pipeline, and writes the
//! PUBACKs the pipeline hands back as [`AckToken`]s. It never decodes, stores or acknowledges
//! on its own: "acknowledged means stored" is the pipeline's rule (see `pipeline/mod.rs`).
//!
//! ```text
//! broker ─► connection.rs ─messages─► pipeline ─acks─► connection.rs ─PUBACK─► broker
//!           the one task that polls the event loop; subscriber.rs (re)subscribes
//! ```

mod broker_url;
mod connection;
#[cfg(feature = "embedded-broker")]
mod embedded_broker;
mod options;
mod settings;
mod subscriber;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use broker_url::{BrokerUrl, BrokerUrlError};
pub use connection::BrokerStatus;
#[cfg(feature = "embedded-broker")]
pub use embedded_broker::{start_embedded_broker, EmbeddedBrokerError, IocLogin};
pub use options::{mqtt_options, OptionsError};
pub use settings::{BrokerSettings, MqttSettings};

use crate::shell::Backoff;
use crate::telemetry::Metrics;

/// What the broker needs back to consider a message delivered.
#[derive(Debug, Clone, Copy)]
pub struct AckToken {
    pub pkid: u16,
    pub qos: rumqttc::QoS,
    /// Which broker connection delivered the message (counts CONNACKs). A packet id means
    /// nothing on a later connection, so an ack from an earlier one is dropped: the broker
    /// redelivers the message and the store recognises the copy.
    pub connection: u64,
}

/// One MQTT message as it left the event loop.
#[derive(Debug)]
pub struct RawMessage {
    pub topic: String,
    pub payload: bytes::Bytes,
    /// Receive time, unix ms.
    pub received_ms: i64,
    pub ack: AckToken,
}

/// The adapter's ends of the pipeline.
pub struct AdapterEnds {
    /// Where each message goes, in arrival order. Bounded: while it is full, the event loop
    /// stops reading from the broker (back-pressure, never a drop). Dropping it on shutdown
    /// lets the pipeline drain.
    pub messages: mpsc::Sender<RawMessage>,
    /// Acknowledgements, in arrival order, only for stored (or wholly rejected) messages.
    /// PUBACKs do not go through rumqttc's request channel: the event loop takes at most one
    /// request per poll but up to ten messages, so under sustained QoS 1 load acks would pile
    /// up there until the commit stage blocked on a full channel while the event loop waited
    /// on the pipeline: a deadlock. They come to the event-loop task on their own channel,
    /// which it drains at every await and writes in batches (one flush).
    pub acks: mpsc::Receiver<AckToken>,
    /// Fires once the pipeline has handed back every ack it will: then the adapter disconnects.
    pub drained: oneshot::Receiver<()>,
}

/// The running MQTT adapter.
pub struct Ingest {
    pub status: watch::Receiver<BrokerStatus>,
    connection: JoinHandle<()>,
    subscriber: JoinHandle<()>,
}

impl Ingest {
    /// Connects to the broker at `url` and starts handing messages to the pipeline through
    /// `ends`: every district's readings, or only those of `districts` when it names some (a
    /// partition). When `shutdown` is cancelled, it stops taking messages, keeps writing the
    /// acks of those already taken until the pipeline reports drained, then disconnects.
    pub fn start(
        settings: &MqttSettings,
        url: &BrokerUrl,
        filters: Vec<String>,
        ends: AdapterEnds,
        metrics: &Metrics,
        shutdown: CancellationToken,
    ) -> Result<Ingest, OptionsError> {
        let mut options = mqtt_options(settings, url)?;
        options.set_manual_acks(true);
        let (client, eventloop) = rumqttc::AsyncClient::new(options, 64);
        let (status_tx, status_rx) = watch::channel(BrokerStatus::connecting());
        let resubscribe = Arc::new(Notify::new());
        let connection = tokio::spawn(
            connection::Connection {
                client: client.clone(),
                queue: Some(ends.messages),
                acks: ends.acks,
                connection_no: 0,
                status: status_tx,
                resubscribe: resubscribe.clone(),
                metrics: metrics.mqtt.clone(),
                queue_depth: metrics.ingest.queue_messages.clone(),
                backoff: Backoff::new(settings.reconnect_initial_ms, settings.reconnect_max_ms),
                shutdown: shutdown.clone(),
            }
            .run(eventloop, ends.drained),
        );
        let subscriber = tokio::spawn(subscriber::run(client, filters, resubscribe, shutdown));
        Ok(Ingest {
            status: status_rx,
            connection,
            subscriber,
        })
    }

    /// The readings' subscriptions: every `{prefix}/{domain}/{district}/{sensor}`, or only
    /// those of `districts` (a partition's). They also match `{prefix}/events/{district}/…`,
    /// which the decode stage hands to the event service.
    pub fn reading_filters(prefix: &str, districts: &[String]) -> Vec<String> {
        match districts {
            [] => vec![format!("{prefix}/+/+/+")],
            ds => ds.iter().map(|d| format!("{prefix}/+/{d}/+")).collect(),
        }
    }

    /// Waits until the connection is closed. Call after cancelling the shutdown token.
    pub async fn closed(self) {
        let _ = self.connection.await;
        let _ = self.subscriber.await;
    }
}
