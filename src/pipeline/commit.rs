//! After the commit: fold the fresh readings into the live state, then acknowledge the
//! messages to the broker (through the event-loop task). Messages arrive in arrival order, so
//! PUBACKs leave in that order too (MQTT 3.1.1 §4.6).
//!
//! Whatever has been committed and is waiting is handled together: one live-state lock, one
//! pass of the alert rules, then the acks in order. Under load that is a writer batch at a
//! time; at a trickle, one message.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{Committed, InFlight};
use crate::aggregate::SharedLive;
use crate::alerts::{reading_observations, AlertService, ObservedNames};
use crate::ingest::AckToken;
use crate::model::{City, Reading};
use crate::shell::now_ms;

/// Committed messages handled under one lock at most (bounds how long the lock is held).
const MAX_GROUP: usize = 1024;

/// The commit stage: what it updates, and where the acks go.
pub(super) struct Commit {
    pub city: Arc<City>,
    pub live: SharedLive,
    pub alerts: Arc<AlertService>,
    /// To the MQTT adapter's event-loop task, which writes them.
    pub acks: mpsc::Sender<AckToken>,
}

impl Commit {
    pub(super) async fn run(
        self,
        mut committed: mpsc::Receiver<Committed<InFlight>>,
        drained: oneshot::Sender<()>,
    ) {
        let mut group: Vec<Committed<InFlight>> = Vec::with_capacity(MAX_GROUP);
        let mut fresh_readings: Vec<Reading> = Vec::new();
        let names = ObservedNames::of(&self.city);
        while committed.recv_many(&mut group, MAX_GROUP).await > 0 {
            fresh_readings.clear();
            self.apply_live(&mut group, &mut fresh_readings);
            if !fresh_readings.is_empty() {
                // Takes the alerts mutex for the engine's (CPU-only) step; the alert service's
                // recorder thread stores the changes, in order, and logs a failure: this
                // stage never waits on the disk.
                let observations = reading_observations(&names, &fresh_readings);
                if let Err(e) = self.alerts.submit(&observations, now_ms()) {
                    tracing::error!(error = %e, "alert changes could not be stored");
                }
            }
            for c in group.drain(..) {
                if c.message.ack.qos != rumqttc::QoS::AtMostOnce {
                    // Fails only when the event-loop task is gone (shutdown); the broker then
                    // redelivers.
                    let _ = self.acks.send(c.message.ack).await;
                }
            }
        }
        let _ = drained.send(());
    }

    /// Folds the fresh readings of `group` into the live state under one lock, collecting them
    /// in `fresh_readings` for the alert rules.
    fn apply_live(&self, group: &mut [Committed<InFlight>], fresh_readings: &mut Vec<Reading>) {
        let mut live = crate::shell::lock::write(&self.live);
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
}
