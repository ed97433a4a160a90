//! The decode worker: decodes each message, accounts for every outcome and rejection, and
//! hands the message (with its readings, possibly none) to the store writer in arrival order.

use std::sync::Arc;
use std::time::Instant;

use prometheus::IntCounter;
use tokio::sync::mpsc;

use super::rejections::{RejectionLog, RejectionRecord};
use super::validate::Validator;
use super::{InFlight, Pending};
use crate::ingest::RawMessage;
use crate::model::{
    City, Decoded, DecoderLimits, DistrictIdx, DomainIdx, FastMap, Outcome, Reason, Rejection,
};
use crate::store::ReadingWriter;
use crate::store::RejectionCount;
use crate::telemetry::{metrics_domain_label, IngestMetrics};

/// Rejections of one message kept in the [`RejectionLog`], plus one line standing for the
/// rest: a message of thousands of bad keys would otherwise replace the whole log, hiding
/// every other sensor's problems.
pub(super) const MAX_LOGGED_PER_MESSAGE: usize = 20;

const HOUR_MS: i64 = 3_600_000;

pub(super) struct Worker {
    validator: Validator,
    metrics: IngestMetrics,
    /// Every rejection, kept for `/api/v1/ingest/rejections`.
    rejections: Arc<RejectionLog>,
    /// Rejections by hour, domain, district and reason since the last flush to the store
    /// (what the data-quality report counts per day).
    tally: FastMap<(i64, Option<DomainIdx>, Option<DistrictIdx>, Reason), u64>,
    /// Per-message counters resolved once (label lookups hash their values on every call):
    /// index 0 is the unknown domain, then the city's domains in order.
    counters: Vec<DomainCounters>,
}

struct DomainCounters {
    /// By `Outcome::ALL` position.
    messages: [IntCounter; 3],
    readings: IntCounter,
}

/// Runs until the queue closes; then closes the writer's input, so the pipeline drains.
/// First it learns where the store filed each unregistered sensor before this run (messages
/// wait in the queue meanwhile), so a restart does not let an id change district.
pub(super) async fn run(
    mut queue: mpsc::Receiver<RawMessage>,
    writer: mpsc::Sender<Pending<InFlight>>,
    (mut worker, events): (Worker, super::events::EventSink),
    store: Arc<dyn ReadingWriter>,
) {
    let homes = store.clone();
    match tokio::task::spawn_blocking(move || homes.sensor_homes()).await {
        Ok(Ok(homes)) => {
            worker.validator.remember_homes(&homes);
            worker.count_unregistered();
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot read the stored sensors; unregistered sensors are bound afresh")
        }
        Err(e) => {
            tracing::warn!(error = %e, "the task reading the stored sensors failed; unregistered sensors are bound afresh")
        }
    }
    let mut flush = tokio::time::interval(TALLY_FLUSH);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = queue.recv() => {
                let Some(msg) = msg else { break };
                worker.metrics.queue_messages.set(queue.len() as i64);
                if let Some(rest) = worker.validator.event_topic(&msg.topic) {
                    events.store(&msg, rest).await;
                }
                let pending = worker.handle(msg);
                if writer.send(pending).await.is_err() {
                    break;
                }
            }
            _ = flush.tick() => {
                worker.flush_tally(&store);
            }
        }
    }
    worker.metrics.queue_messages.set(0);
    if let Some(last) = worker.flush_tally(&store) {
        let _ = last.await;
    }
}

/// How often the rejection counts go to the store: a crash loses at most this much of them
/// (never a reading).
const TALLY_FLUSH: std::time::Duration = std::time::Duration::from_secs(60);

impl Worker {
    pub fn new(
        city: Arc<City>,
        limits: DecoderLimits,
        metrics: IngestMetrics,
        rejections: Arc<RejectionLog>,
        max_unregistered: usize,
    ) -> Self {
        let domains =
            std::iter::once(None).chain((0..city.domains.len()).map(|d| Some(DomainIdx(d as u16))));
        let counters = domains
            .map(|d| {
                let label = metrics_domain_label(&city, d);
                let m = &metrics;
                DomainCounters {
                    messages: Outcome::ALL
                        .map(|o| m.messages.with_label_values(&[label, o.as_str()])),
                    readings: m.readings.with_label_values(&[label]),
                }
            })
            .collect();
        Worker {
            validator: Validator::new(city, limits, max_unregistered),
            metrics,
            rejections,
            tally: FastMap::default(),
            counters,
        }
    }

    fn count_unregistered(&self) {
        self.metrics
            .unregistered_sensors
            .set(self.validator.unregistered() as i64);
    }

    fn handle(&mut self, msg: RawMessage) -> Pending<InFlight> {
        if self.validator.event_topic(&msg.topic).is_some() {
            // An event, already stored (`events.rs`): acknowledged in its turn.
            return Pending {
                message: InFlight {
                    ack: msg.ack,
                    received_ms: msg.received_ms,
                },
                readings: Vec::new(),
            };
        }
        let started = Instant::now();
        let admitted = self.validator.unregistered();
        let mut decoded = self
            .validator
            .decode(&msg.topic, &msg.payload, msg.received_ms);
        if self.validator.unregistered() != admitted {
            self.count_unregistered();
        }
        let m = &self.metrics;
        m.decode_seconds.observe(started.elapsed().as_secs_f64());
        let slot = decoded.domain.map_or(0, |d| usize::from(d.0) + 1);
        if let Some(c) = self.counters.get(slot) {
            let outcome = decoded.outcome();
            let at = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0);
            c.messages[at].inc();
            c.readings.inc_by(decoded.readings.len() as u64);
        }
        let readings = std::mem::take(&mut decoded.readings);
        self.log_rejections(&msg, decoded);
        Pending {
            message: InFlight {
                ack: msg.ack,
                received_ms: msg.received_ms,
            },
            readings,
        }
    }

    /// Hands the rejection counts since the last flush to the store, off the executor.
    fn flush_tally(
        &mut self,
        store: &Arc<dyn ReadingWriter>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.tally.is_empty() {
            return None;
        }
        let city = self.validator.city();
        let counts: Vec<RejectionCount> = self
            .tally
            .drain()
            .map(|((hour, domain, district, reason), count)| RejectionCount {
                hour,
                domain: domain.map_or_else(String::new, |d| city.domain(d).name.clone()),
                district: district.map_or_else(String::new, |d| city.district(d).id.clone()),
                reason: reason.as_str().to_owned(),
                count,
            })
            .collect();
        let store = store.clone();
        Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = store.count_rejections(&counts) {
                tracing::warn!(error = %e, "rejection counts not stored; the data-quality report misses them");
            }
        }))
    }

    fn log_rejections(&mut self, msg: &RawMessage, decoded: Decoded) {
        if decoded.rejections.is_empty() {
            return;
        }
        let topic = crate::model::truncate(&msg.topic, 200);
        let total = decoded.rejections.len();
        let hour = msg.received_ms.div_euclid(HOUR_MS) * HOUR_MS;
        for r in &decoded.rejections {
            *self
                .tally
                .entry((hour, decoded.domain, decoded.district, r.reason))
                .or_default() += 1;
        }
        for (i, rejection) in decoded.rejections.into_iter().enumerate() {
            self.metrics
                .rejections
                .with_label_values(&[rejection.reason.as_str()])
                .inc();
            let rejection = match i.cmp(&MAX_LOGGED_PER_MESSAGE) {
                std::cmp::Ordering::Less => rejection,
                // One line in the log stands for the rest, which are counted, not kept.
                std::cmp::Ordering::Equal => Rejection::whole(
                    rejection.reason,
                    format!(
                        "and {} more rejections of this message, counted in ioc_ingest_rejections_total but not kept here (the first: {})",
                        total - MAX_LOGGED_PER_MESSAGE,
                        rejection.detail
                    ),
                ),
                std::cmp::Ordering::Greater => continue,
            };
            tracing::debug!(topic = %topic, reason = rejection.reason.as_str(), detail = %rejection.detail, "rejected");
            self.rejections.push(RejectionRecord {
                received_at: msg.received_ms,
                topic: topic.clone(),
                sensor: decoded.sensor.as_deref().map(str::to_owned),
                rejection,
            });
        }
    }
}
