//! The decode worker: drains the queue, decodes each message, folds readings into the live
//! state and accounts for every outcome. It ends when the queue closes, after the last message.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::rejections::RejectionRecord;
use super::{RawMessage, Sinks};
use crate::model::{City, Decoded, Decoder, DecoderLimits};
use crate::telemetry::metrics_domain_label;

pub(super) struct Worker {
    city: Arc<City>,
    limits: DecoderLimits,
    sinks: Sinks,
}

pub(super) async fn run(mut queue: mpsc::Receiver<RawMessage>, worker: Worker) {
    while let Some(msg) = queue.recv().await {
        worker.sinks.metrics.ingest_queue_messages.set(queue.len() as i64);
        worker.handle(&msg);
    }
    worker.sinks.metrics.ingest_queue_messages.set(0);
}

impl Worker {
    pub fn new(city: Arc<City>, limits: DecoderLimits, sinks: Sinks) -> Self {
        Worker { city, limits, sinks }
    }

    fn handle(&self, msg: &RawMessage) {
        let started = Instant::now();
        let mut decoded = Decoder::new(&self.city, &self.limits).decode(&msg.topic, &msg.payload, msg.received_ms);
        if !decoded.readings.is_empty() {
            let mut live = self.sinks.live.write().unwrap_or_else(|p| p.into_inner());
            if let Err(rejection) = live.apply(&decoded.readings, msg.received_ms) {
                decoded.readings.clear();
                decoded.rejections.push(rejection);
            }
            self.sinks.metrics.ingest_unregistered_sensors.set(live.unregistered_count() as i64);
        }
        let m = &self.sinks.metrics;
        m.ingest_decode_seconds.observe(started.elapsed().as_secs_f64());
        let domain = metrics_domain_label(&self.city, decoded.domain);
        m.ingest_messages.with_label_values(&[domain, decoded.outcome().as_str()]).inc();
        m.ingest_readings.with_label_values(&[domain]).inc_by(decoded.readings.len() as u64);
        self.log_rejections(msg, decoded);
    }

    fn log_rejections(&self, msg: &RawMessage, decoded: Decoded) {
        if decoded.rejections.is_empty() {
            return;
        }
        let topic = crate::model::truncate(&msg.topic, 200);
        for rejection in decoded.rejections {
            self.sinks.metrics.ingest_rejections.with_label_values(&[rejection.reason.as_str()]).inc();
            tracing::debug!(topic = %topic, reason = rejection.reason.as_str(), detail = %rejection.detail, "rejected");
            self.sinks.rejections.push(RejectionRecord {
                received_at: msg.received_ms,
                topic: topic.clone(),
                sensor: decoded.sensor.as_deref().map(str::to_owned),
                rejection,
            });
        }
    }
}
