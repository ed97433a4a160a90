//! After the commit: fold the fresh readings into the live state, then acknowledge the
//! message to the broker. Messages arrive in arrival order, so PUBACKs leave in that order too
//! (MQTT 3.1.1 §4.6).

use tokio::sync::{mpsc, oneshot};

use super::{AckToken, InFlight, Sinks};
use std::sync::Arc;

use crate::alerts::reading_observations;
use crate::model::{now_ms, City, Reading};
use crate::store::Committed;

pub(super) async fn run(
    mut committed: mpsc::Receiver<Committed<InFlight>>,
    acks: mpsc::Sender<AckToken>,
    city: Arc<City>,
    sinks: Sinks,
    drained: oneshot::Sender<()>,
) {
    let mut fresh_readings: Vec<Reading> = Vec::new();
    while let Some(c) = committed.recv().await {
        fresh_readings.clear();
        let duplicates = c.fresh.iter().filter(|f| !**f).count() as u64;
        let sensor = c.readings.first().map(|r| r.sensor.clone());
        fresh_readings.extend(
            c.readings
                .into_iter()
                .zip(c.fresh)
                .filter(|(_, f)| *f)
                .map(|(r, _)| r),
        );
        if !fresh_readings.is_empty() || duplicates > 0 {
            let mut live = sinks.live.write().unwrap_or_else(|p| p.into_inner());
            live.apply(&fresh_readings, c.message.received_ms);
            if let (Some(sensor), true) = (sensor, duplicates > 0) {
                live.note_duplicates(&sensor, duplicates);
            }
        }
        if !fresh_readings.is_empty() {
            // Takes the alerts mutex briefly; it writes to disk only when an alert changes state.
            let observations = reading_observations(&city, &fresh_readings);
            if let Err(e) = sinks.alerts.observe_all(&observations, now_ms()) {
                tracing::error!(error = %e, "alert changes could not be stored");
            }
        }
        if c.message.ack.qos != rumqttc::QoS::AtMostOnce {
            // Fails only when the event-loop task is gone (shutdown); the broker then redelivers.
            let _ = acks.send(c.message.ack).await;
        }
    }
    let _ = drained.send(());
}
