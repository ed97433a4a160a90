//! The pipeline: from a raw MQTT message to a stored, live, acknowledged one.
//!
//! ```text
//! ingest ─messages─► decode.rs ─writer queue─► writer.rs ─► sync thread ─committed─► commit.rs ─acks─► ingest
//! (MQTT adapter)     decode, validate,         one           one fsync for           live state,
//!                    account rejections        transaction   every batch so far      alert rules, then
//!                                              per batch     (group commit)          the acks in order
//! ```
//!
//! **Acknowledged means stored.** A QoS 1 message is acknowledged to the broker only after the
//! transaction holding its readings committed and was made durable, and acknowledgements leave
//! in arrival order (MQTT 3.1.1 §4.6). A message that is wholly rejected is acknowledged in its
//! turn, since redelivering it would not change the verdict. Every arrow is a bounded channel:
//! when a stage lags, the one before it waits, and the MQTT adapter stops reading from the
//! broker.

mod commit;
mod decode;
mod events;
mod rejections;
mod seed;
mod settings;
mod validate;
mod writer;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use rejections::{RejectionLog, RejectionRecord};
pub use seed::{seed_hourly, SeedError};
pub use settings::IngestSettings;
pub use validate::Validator;
pub use writer::{spawn_writer, Committed, Pending, WriterHandle};

use crate::aggregate::SharedLive;
use crate::alerts::AlertService;
use crate::ingest::{AckToken, AdapterEnds};
use crate::model::{City, DecoderLimits};
use crate::store::{ReadingWriter, StoreSettings};
use crate::telemetry::Metrics;

/// What the pipeline carries past the decoder for each message: its ack and receive time.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub ack: AckToken,
    pub received_ms: i64,
}

/// The sizes of the pipeline's queues and batches, and the decoder's limits: from `[ingest]`,
/// `[store]` and `mqtt.topic_prefix`.
pub struct Sizes<'a> {
    pub ingest: &'a IngestSettings,
    pub store: &'a StoreSettings,
    /// Topics outside `{topic_prefix}/…` are rejected by the decoder.
    pub topic_prefix: &'a str,
}

/// What each stage reads or writes besides its queues.
pub struct Stages {
    pub city: Arc<City>,
    /// The pipeline's only role on the store: write, then sync.
    pub store: Arc<dyn ReadingWriter>,
    pub live: SharedLive,
    /// Every stored reading is observed by the alert rules.
    pub alerts: Arc<AlertService>,
    pub rejections: Arc<RejectionLog>,
    pub metrics: Arc<Metrics>,
    /// Where the messages on `{prefix}/events/…` go.
    pub events: Arc<crate::events::EventService>,
}

/// The running stages.
pub struct Pipeline {
    decode: JoinHandle<()>,
    writer: WriterHandle,
    commit: JoinHandle<()>,
}

impl Pipeline {
    /// Starts the stages and returns them with the MQTT adapter's ends of the pipeline: where
    /// it hands messages in, and where the acknowledgements come back. When the adapter closes
    /// its end, the stages commit and acknowledge what they hold, then `drained` fires.
    pub fn start(
        sizes: Sizes<'_>,
        stages: Stages,
        shutdown: CancellationToken,
    ) -> std::io::Result<(Pipeline, AdapterEnds)> {
        // Every message taken and not yet acknowledged sits in one of the queues below, so an
        // ack channel larger than all of them together never blocks the commit stage (see
        // `ingest::AdapterEnds::acks` for why acks have their own channel).
        let Sizes {
            ingest,
            store,
            topic_prefix,
        } = sizes;
        let in_pipeline =
            ingest.queue_capacity + store.writer_queue_messages * 2 + store.max_batch_readings + 64;
        let (messages_tx, messages_rx) = mpsc::channel(ingest.queue_capacity);
        let (acks_tx, acks_rx) = mpsc::channel(in_pipeline);
        let (writer_tx, writer_rx) = mpsc::channel(store.writer_queue_messages);
        let (committed_tx, committed_rx) = mpsc::channel(store.writer_queue_messages);
        let (drained_tx, drained_rx) = oneshot::channel();
        let limits = DecoderLimits {
            topic_prefix: topic_prefix.to_owned(),
            max_payload_bytes: ingest.max_payload_bytes,
            max_batch_readings: ingest.max_batch_readings,
            max_future_skew_ms: ingest.max_future_skew_s as i64 * 1000,
        };
        let worker = decode::Worker::new(
            stages.city.clone(),
            limits,
            stages.metrics.ingest.clone(),
            stages.rejections.clone(),
            ingest.max_unregistered_sensors,
        );
        let sink = events::EventSink {
            events: stages.events.clone(),
            metrics: stages.metrics.events.clone(),
        };
        let decode = tokio::spawn(decode::run(
            messages_rx,
            writer_tx,
            (worker, sink),
            stages.store.clone(),
        ));
        let writer = spawn_writer(
            stages.store.clone(),
            writer_rx,
            committed_tx,
            store.max_batch_readings,
            stages.metrics.store.clone(),
            shutdown,
        )?;
        let commit = tokio::spawn(
            commit::Commit {
                city: stages.city,
                live: stages.live,
                alerts: stages.alerts,
                acks: acks_tx,
            }
            .run(committed_rx, drained_tx),
        );
        let ends = AdapterEnds {
            messages: messages_tx,
            acks: acks_rx,
            drained: drained_rx,
        };
        Ok((
            Pipeline {
                decode,
                writer,
                commit,
            },
            ends,
        ))
    }

    /// Waits until every message handed in has been committed and its ack handed back. Call
    /// after the MQTT adapter closed its end (on shutdown).
    pub async fn drained(self) {
        let _ = self.decode.await;
        self.writer.join().await;
        let _ = self.commit.await;
    }
}
