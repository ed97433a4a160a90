//! Events in the readings' stream: a message on `{prefix}/events/{district}/{source}` is an
//! event (a citizen report or a camera detection), not a reading. The decode stage stores it
//! through the event service before handing the message on, so its ack leaves in its turn,
//! after it is stored: one MQTT session for everything (a second session would fight the
//! first for its client id on a broker that takes the client id from the user name, as the
//! documented Mosquitto setup does).

use std::sync::Arc;
use std::time::Duration;

use crate::events::{Arrival, EventService, ReceiveError, Received};
use crate::ingest::RawMessage;
use crate::telemetry::EventMetrics;

/// The most a failing store is waited for between tries.
const RETRY_MAX: Duration = Duration::from_secs(5);

pub struct EventSink {
    pub events: Arc<EventService>,
    pub metrics: EventMetrics,
}

impl EventSink {
    /// Stores the event `msg` carries (`rest`: its topic after `{prefix}/events/`). An invalid
    /// one is logged with its reason and counted; it is acknowledged in its turn, since
    /// sending it again would not change the verdict. A storage failure is tried again until
    /// it succeeds: as with readings, nothing is acknowledged that is not stored.
    pub async fn store(&self, msg: &RawMessage, rest: &str) {
        let (district, source) = match rest.split('/').collect::<Vec<_>>().as_slice() {
            [d, s] if !d.is_empty() && !s.is_empty() => ((*d).to_owned(), (*s).to_owned()),
            _ => {
                let topic = crate::model::truncate(&msg.topic, 200);
                tracing::warn!(%topic, "event refused: expected {{prefix}}/events/{{district}}/{{source}}");
                self.count("invalid_topic");
                return;
            }
        };
        let mut wait = Duration::from_millis(100);
        loop {
            let (events, payload) = (self.events.clone(), msg.payload.clone());
            let (d, s, at) = (district.clone(), source.clone(), msg.received_ms);
            let outcome = tokio::task::spawn_blocking(move || {
                let arrival = Arrival {
                    topic_district: Some(&d),
                    source: &s,
                    received_ms: at,
                };
                events.receive(&payload, arrival, &|_| true)
            })
            .await;
            let failure = match outcome {
                Ok(Ok(received)) => return self.stored(received),
                Ok(Err(ReceiveError::Invalid(e))) => {
                    let topic = crate::model::truncate(&msg.topic, 200);
                    tracing::warn!(%topic, reason = e.code(), "event refused: {e}");
                    return self.count(e.code());
                }
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            tracing::error!(error = %failure, retry_in_ms = wait.as_millis() as u64, "event not stored; trying again before acknowledging anything more");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_MAX);
        }
    }

    fn stored(&self, received: Received) {
        match received {
            Received::Stored(e) => {
                tracing::info!(event = %e.id, kind = e.kind.as_str(), district = %e.district, incident = ?e.incident, "event stored");
                self.count("stored");
            }
            Received::Duplicate(_) => self.count("duplicate"),
        }
    }

    fn count(&self, result: &str) {
        self.metrics
            .received
            .with_label_values(&["mqtt", result])
            .inc();
    }
}
