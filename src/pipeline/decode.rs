//! The decode worker: decodes each message, accounts for every outcome and rejection, and
//! hands the message (with its readings, possibly none) to the store writer in arrival order.

use std::sync::Arc;
use std::time::Instant;

use prometheus::IntCounter;
use tokio::sync::mpsc;

use super::rejections::{RejectionLog, RejectionRecord};
use super::{InFlight, Pending};
use crate::ingest::RawMessage;
use crate::model::{
    City, Decoded, Decoder, DecoderLimits, DistrictIdx, DomainIdx, FastMap, Outcome, Reason,
    Rejection,
};
use crate::store::ReadingWriter;
use crate::telemetry::{metrics_domain_label, IngestMetrics};

/// Rejections of one message kept in the [`RejectionLog`], plus one line standing for the
/// rest: a message of thousands of bad keys would otherwise replace the whole log, hiding
/// every other sensor's problems.
pub(super) const MAX_LOGGED_PER_MESSAGE: usize = 20;

pub(super) struct Worker {
    city: Arc<City>,
    limits: DecoderLimits,
    metrics: IngestMetrics,
    /// Every rejection, kept for `/api/v1/ingest/rejections`.
    rejections: Arc<RejectionLog>,
    /// Unregistered sensors admitted so far, each bound to the domain and district it was
    /// first seen under (a scope check trusts that binding); bounded by `max_unregistered`.
    unregistered: FastMap<Arc<str>, (DomainIdx, DistrictIdx)>,
    max_unregistered: usize,
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
    mut worker: Worker,
    store: Arc<dyn ReadingWriter>,
) {
    match tokio::task::spawn_blocking(move || store.sensor_homes()).await {
        Ok(Ok(homes)) => worker.remember_homes(&homes),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot read the stored sensors; unregistered sensors are bound afresh")
        }
        Err(e) => {
            tracing::warn!(error = %e, "the task reading the stored sensors failed; unregistered sensors are bound afresh")
        }
    }
    while let Some(msg) = queue.recv().await {
        worker.metrics.queue_messages.set(queue.len() as i64);
        let pending = worker.handle(msg);
        if writer.send(pending).await.is_err() {
            break;
        }
    }
    worker.metrics.queue_messages.set(0);
}

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
            city,
            limits,
            metrics,
            rejections,
            unregistered: FastMap::default(),
            max_unregistered,
            counters,
        }
    }

    fn handle(&mut self, msg: RawMessage) -> Pending<InFlight> {
        let started = Instant::now();
        let mut decoded = Decoder::new(&self.city, &self.limits).decode(
            &msg.topic,
            &msg.payload,
            msg.received_ms,
        );
        self.admit_unregistered(&mut decoded);
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

    /// Binds the unregistered sensors the store already holds to where it filed them (up to
    /// the cap); registered ones and names this city no longer has are skipped.
    fn remember_homes(&mut self, homes: &[(String, String, String)]) {
        for (id, domain, district) in homes {
            if self.unregistered.len() >= self.max_unregistered {
                break;
            }
            if self.city.sensor(id).is_some() {
                continue;
            }
            if let (Some(d), Some(k)) = (
                self.city.domain_idx(domain),
                self.city.district_idx(district),
            ) {
                self.unregistered.insert(Arc::from(id.as_str()), (d, k));
            }
        }
        self.metrics
            .unregistered_sensors
            .set(self.unregistered.len() as i64);
    }

    /// Keeps readings of an unregistered sensor only while the cap allows another one, and
    /// only under the domain and district where it was first seen: like a registered sensor
    /// published elsewhere, it is a `sensor_mismatch`, so a scoped caller who may see it never
    /// sees readings from outside its scope merged into it.
    fn admit_unregistered(&mut self, decoded: &mut Decoded) {
        let Some(first) = decoded.readings.first() else {
            return;
        };
        if first.registered {
            return;
        }
        let here = (first.domain, first.district);
        if let Some(&bound) = self.unregistered.get(&first.sensor) {
            if bound != here {
                let detail = format!(
                    "sensor {:?} is not registered and was first seen under {}/{}, not {}/{}; a sensor id belongs to one domain and district",
                    &*first.sensor,
                    self.city.domain(bound.0).name,
                    self.city.district(bound.1).id,
                    self.city.domain(here.0).name,
                    self.city.district(here.1).id,
                );
                decoded.readings.clear();
                decoded
                    .rejections
                    .push(Rejection::whole(Reason::SensorMismatch, detail));
            }
            return;
        }
        if self.unregistered.len() < self.max_unregistered {
            self.unregistered.insert(first.sensor.clone(), here);
            self.metrics
                .unregistered_sensors
                .set(self.unregistered.len() as i64);
            return;
        }
        let detail = format!(
            "sensor {:?} is not registered and {} unregistered sensors are already tracked; add it to the city file",
            &*first.sensor, self.max_unregistered
        );
        decoded.readings.clear();
        decoded
            .rejections
            .push(Rejection::whole(Reason::TooManyUnregistered, detail));
    }

    fn log_rejections(&self, msg: &RawMessage, decoded: Decoded) {
        if decoded.rejections.is_empty() {
            return;
        }
        let topic = crate::model::truncate(&msg.topic, 200);
        let total = decoded.rejections.len();
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
