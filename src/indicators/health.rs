//! Sensor health: status counts, data completeness, and `seq` gaps and repeats, per domain
//! and district. Pure.

use serde::Serialize;

use crate::aggregate::{SensorInputs, SensorStatus};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Health {
    pub online: usize,
    pub late: usize,
    pub offline: usize,
    pub never_seen: usize,
    /// Messages received in the last hour over messages expected from the registered sensors'
    /// intervals (0..1); `None` without registered sensors.
    pub completeness: Option<f64>,
    /// Readings that never arrived, from jumps in `seq`.
    pub seq_gaps: u64,
    /// Messages whose `seq` went backwards (out of order or repeated).
    pub seq_repeats: u64,
    /// Readings the store recognised as already stored.
    pub duplicates: u64,
    #[serde(skip)]
    pub(super) received: f64,
    #[serde(skip)]
    pub(super) expected: f64,
}

impl Health {
    pub fn total(&self) -> usize {
        self.online + self.late + self.offline + self.never_seen
    }

    /// Folds another area's health into this one.
    pub fn merge(&mut self, o: &Health) {
        self.online += o.online;
        self.late += o.late;
        self.offline += o.offline;
        self.never_seen += o.never_seen;
        self.seq_gaps += o.seq_gaps;
        self.seq_repeats += o.seq_repeats;
        self.duplicates += o.duplicates;
        self.received += o.received;
        self.expected += o.expected;
        self.completeness = (self.expected > 0.0).then(|| (self.received / self.expected).min(1.0));
    }

    pub fn add(&mut self, s: &SensorInputs) {
        match s.status {
            SensorStatus::Online => self.online += 1,
            SensorStatus::Late => self.late += 1,
            SensorStatus::Offline => self.offline += 1,
            SensorStatus::NeverSeen => self.never_seen += 1,
        }
        self.seq_gaps += s.seq_gaps;
        self.seq_repeats += s.seq_repeats;
        self.duplicates += s.duplicates;
        if s.registered {
            self.expected += 3_600_000.0 / s.expected_interval_ms.max(1) as f64;
            self.received += s.messages_last_hour as f64;
            self.completeness = Some((self.received / self.expected).min(1.0));
        }
    }
}
