//! Ingest: the MQTT shell around the pure decoder and the durable store.
//!
//! ```text
//! broker ─► connection.rs ─queue─► worker.rs ─writer queue─► store writer thread ─committed─► commit.rs
//!           polls the event      decode, validate,          one transaction per batch,        live state, then
//!           loop, nothing else   account rejections         durable before it hands on        PUBACK in arrival order
//! ```
//!
//! A QoS 1 message is acknowledged only after its readings are committed ("acknowledged means
//! stored"); a message that is wholly rejected is acknowledged in its turn, since redelivering
//! it would not change the verdict. Every arrow is a bounded channel: when a stage lags, the
//! one before it waits, and the event loop stops reading from the broker.

mod backoff;
mod broker_url;
mod commit;
mod connection;
#[cfg(feature = "embedded-broker")]
mod embedded_broker;
mod options;
mod rejections;
mod subscriber;
mod worker;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use backoff::Backoff;
pub use broker_url::{BrokerUrl, BrokerUrlError};
pub use connection::BrokerStatus;
#[cfg(feature = "embedded-broker")]
pub use embedded_broker::{start_embedded_broker, EmbeddedBrokerError};
pub use options::{mqtt_options, OptionsError};
pub use rejections::{RejectionLog, RejectionRecord};

use crate::aggregate::SharedLive;
use crate::config::Settings;
use crate::model::{City, DecoderLimits};
use crate::store::{spawn_writer, Store, WriterHandle};
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

/// What the pipeline carries past the decoder for each message: its ack and receive time.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub ack: AckToken,
    pub received_ms: i64,
}

/// The running ingest tasks.
pub struct Ingest {
    pub status: watch::Receiver<BrokerStatus>,
    connection: JoinHandle<()>,
    subscriber: JoinHandle<()>,
    worker: JoinHandle<()>,
    writer: WriterHandle,
    commit: JoinHandle<()>,
}

/// Where the pipeline writes to.
#[derive(Clone)]
pub struct Sinks {
    pub store: Arc<dyn Store>,
    /// Every stored reading is observed by the alert rules.
    pub alerts: Arc<crate::alerts::AlertService>,
    pub live: SharedLive,
    pub metrics: Arc<Metrics>,
    pub rejections: Arc<RejectionLog>,
}

impl Ingest {
    /// Connects to the broker at `url` and starts the pipeline. When `shutdown` is cancelled,
    /// it stops taking messages, commits and acknowledges those already taken, then
    /// disconnects; `drained` resolves after that.
    pub fn start(
        settings: &Settings,
        url: &BrokerUrl,
        city: Arc<City>,
        sinks: Sinks,
        shutdown: CancellationToken,
    ) -> Result<Ingest, OptionsError> {
        let mut options = mqtt_options(&settings.mqtt, url)?;
        options.set_manual_acks(true);
        // PUBACKs do not go through the client's request channel: the event loop takes at most
        // one request per poll but up to ten messages, so under sustained QoS 1 load acks would
        // pile up there until the commit stage blocked on a full channel while the event loop
        // waited on the pipeline: a deadlock. They go to the event-loop task on their own
        // channel instead, which it drains at every await and writes in batches (one flush).
        // Every message taken and not yet acknowledged sits in one of the queues below, so a
        // channel larger than all of them together never blocks the commit stage.
        let in_pipeline = settings.ingest.queue_capacity
            + settings.store.writer_queue_messages * 2
            + settings.store.max_batch_readings
            + 64;
        let (client, eventloop) = rumqttc::AsyncClient::new(options, 64);
        let (acks_tx, acks_rx) = mpsc::channel(in_pipeline);
        let (queue_tx, queue_rx) = mpsc::channel(settings.ingest.queue_capacity);
        let (writer_tx, writer_rx) = mpsc::channel(settings.store.writer_queue_messages);
        let (committed_tx, committed_rx) = mpsc::channel(settings.store.writer_queue_messages);
        let (status_tx, status_rx) = watch::channel(BrokerStatus::connecting());
        let (drained_tx, drained_rx) = oneshot::channel();
        let resubscribe = Arc::new(Notify::new());
        let filter = format!("{}/+/+/+", settings.mqtt.topic_prefix);
        let backoff = Backoff::new(
            settings.mqtt.reconnect_initial_ms,
            settings.mqtt.reconnect_max_ms,
        );

        let connection = tokio::spawn(
            connection::Connection {
                client: client.clone(),
                queue: Some(queue_tx),
                acks: acks_rx,
                connection_no: 0,
                status: status_tx,
                resubscribe: resubscribe.clone(),
                metrics: sinks.metrics.clone(),
                backoff,
                shutdown: shutdown.clone(),
            }
            .run(eventloop, drained_rx),
        );
        let subscriber = tokio::spawn(subscriber::run(
            client.clone(),
            filter,
            resubscribe,
            shutdown,
        ));
        let limits = DecoderLimits {
            topic_prefix: settings.mqtt.topic_prefix.clone(),
            max_payload_bytes: settings.ingest.max_payload_bytes,
            max_batch_readings: settings.ingest.max_batch_readings,
            max_future_skew_ms: settings.ingest.max_future_skew_s as i64 * 1000,
        };
        let worker = worker::Worker::new(
            city.clone(),
            limits,
            sinks.clone(),
            settings.ingest.max_unregistered_sensors,
        );
        let worker = tokio::spawn(worker::run(queue_rx, writer_tx, worker));
        let writer = spawn_writer(
            sinks.store.clone(),
            writer_rx,
            committed_tx,
            settings.store.max_batch_readings,
            sinks.metrics.clone(),
        )
        .map_err(|e| OptionsError::Thread(e.to_string()))?;
        let commit = tokio::spawn(commit::run(
            committed_rx,
            acks_tx,
            city.clone(),
            sinks,
            drained_tx,
        ));
        Ok(Ingest {
            status: status_rx,
            connection,
            subscriber,
            worker,
            writer,
            commit,
        })
    }

    /// Waits until every message taken has been committed and acknowledged and the
    /// connection is closed. Call after cancelling the shutdown token.
    pub async fn drained(self) {
        let _ = self.worker.await;
        self.writer.join().await;
        let _ = self.commit.await;
        let _ = self.connection.await;
        let _ = self.subscriber.await;
    }
}
