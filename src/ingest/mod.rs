//! Ingest: the MQTT shell around the pure decoder.
//!
//! ```text
//! broker ──► connection.rs (polls the event loop, nothing else) ──bounded mpsc──► worker.rs
//!            subscriber.rs (subscribes on every ConnAck)          decode → LiveState, metrics,
//!                                                                  rejection log
//! ```

mod backoff;
mod broker_url;
mod connection;
#[cfg(feature = "embedded-broker")]
mod embedded_broker;
mod options;
mod rejections;
mod subscriber;
mod worker;

use std::sync::Arc;

use tokio::sync::{mpsc, watch, Notify};
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
use crate::telemetry::Metrics;

/// One MQTT message as it left the event loop.
#[derive(Debug)]
pub struct RawMessage {
    pub topic: String,
    pub payload: bytes::Bytes,
    /// Receive time, unix ms.
    pub received_ms: i64,
}

/// The running ingest tasks.
pub struct Ingest {
    pub status: watch::Receiver<BrokerStatus>,
    connection: JoinHandle<()>,
    subscriber: JoinHandle<()>,
    worker: JoinHandle<()>,
}

/// What the ingest worker writes to.
#[derive(Clone)]
pub struct Sinks {
    pub live: SharedLive,
    pub metrics: Arc<Metrics>,
    pub rejections: Arc<RejectionLog>,
}

impl Ingest {
    /// Connects to the broker named by `settings` and starts ingesting. Stops taking messages
    /// when `shutdown` is cancelled; `drained` then resolves once every message already taken
    /// has been processed.
    pub fn start(settings: &Settings, url: &BrokerUrl, city: Arc<City>, sinks: Sinks, shutdown: CancellationToken) -> Result<Ingest, OptionsError> {
        let options = mqtt_options(&settings.mqtt, url)?;
        // The request channel carries our subscribe / disconnect requests to the event loop.
        let (client, eventloop) = rumqttc::AsyncClient::new(options, 16);
        let (queue_tx, queue_rx) = mpsc::channel(settings.ingest.queue_capacity);
        let (status_tx, status_rx) = watch::channel(BrokerStatus::connecting());
        let resubscribe = Arc::new(Notify::new());
        let filter = format!("{}/+/+/+", settings.mqtt.topic_prefix);
        let backoff = Backoff::new(settings.mqtt.reconnect_initial_ms, settings.mqtt.reconnect_max_ms);

        let connection = tokio::spawn(
            connection::Connection {
                client: client.clone(),
                queue: queue_tx,
                status: status_tx,
                resubscribe: resubscribe.clone(),
                metrics: sinks.metrics.clone(),
                backoff,
                shutdown: shutdown.clone(),
            }
            .run(eventloop),
        );
        let subscriber = tokio::spawn(subscriber::run(client, filter, resubscribe, shutdown));
        let limits = DecoderLimits {
            topic_prefix: settings.mqtt.topic_prefix.clone(),
            max_payload_bytes: settings.ingest.max_payload_bytes,
            max_batch_readings: settings.ingest.max_batch_readings,
            max_future_skew_ms: settings.ingest.max_future_skew_s as i64 * 1000,
        };
        let worker = tokio::spawn(worker::run(queue_rx, worker::Worker::new(city, limits, sinks)));
        Ok(Ingest {
            status: status_rx,
            connection,
            subscriber,
            worker,
        })
    }

    /// Waits until the connection task has stopped and the worker has processed every message
    /// it had been handed. Call after cancelling the shutdown token.
    pub async fn drained(self) {
        let _ = self.connection.await;
        let _ = self.subscriber.await;
        let _ = self.worker.await;
    }
}
