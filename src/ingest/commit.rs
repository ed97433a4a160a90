//! After the commit: fold the fresh readings into the live state, then acknowledge the
//! messages to the broker (through the event-loop task). Messages arrive in arrival order, so
//! PUBACKs leave in that order too (MQTT 3.1.1 §4.6).
//!
//! Whatever has been committed and is waiting is handled together: one live-state lock, one
//! pass of the alert rules, then the acks in order. Under load that is a writer batch at a
//! time; at a trickle, one message.

use tokio::sync::{mpsc, oneshot};

use super::{AckToken, InFlight, Sinks};
use std::sync::Arc;

use crate::alerts::reading_observations;
use crate::model::{now_ms, City, Reading};
use crate::store::Committed;

/// Committed messages handled under one lock at most (bounds how long the lock is held).
const MAX_GROUP: usize = 1024;

pub(super) async fn run(
    mut committed: mpsc::Receiver<Committed<InFlight>>,
    acks: mpsc::Sender<AckToken>,
    city: Arc<City>,
    sinks: Sinks,
    drained: oneshot::Sender<()>,
) {
    let mut group: Vec<Committed<InFlight>> = Vec::with_capacity(MAX_GROUP);
    let mut fresh_readings: Vec<Reading> = Vec::new();
    while committed.recv_many(&mut group, MAX_GROUP).await > 0 {
        fresh_readings.clear();
        {
            let mut live = sinks.live.write().unwrap_or_else(|p| p.into_inner());
            for c in group.iter_mut() {
                let duplicates = c.fresh.iter().filter(|f| !**f).count() as u64;
                let start = fresh_readings.len();
                let readings = std::mem::take(&mut c.readings);
                let sensor = readings.first().map(|r| r.sensor.clone());
                fresh_readings.extend(
                    readings
                        .into_iter()
                        .zip(c.fresh.iter())
                        .filter(|(_, f)| **f)
                        .map(|(r, _)| r),
                );
                if fresh_readings.len() > start || duplicates > 0 {
                    live.apply(&fresh_readings[start..], c.message.received_ms);
                    if let (Some(sensor), true) = (sensor, duplicates > 0) {
                        live.note_duplicates(&sensor, duplicates);
                    }
                }
            }
        }
        if !fresh_readings.is_empty() {
            // Takes the alerts mutex briefly; it writes to disk only when an alert changes state.
            let observations = reading_observations(&city, &fresh_readings);
            if let Err(e) = sinks.alerts.observe_all(&observations, now_ms()) {
                tracing::error!(error = %e, "alert changes could not be stored");
            }
        }
        for c in group.drain(..) {
            if c.message.ack.qos != rumqttc::QoS::AtMostOnce {
                // Fails only when the event-loop task is gone (shutdown); the broker then
                // redelivers.
                let _ = acks.send(c.message.ack).await;
            }
        }
    }
    let _ = drained.send(());
}
