//! `LiveState`: what the city looks like right now, fed reading by reading.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::model::{City, DistrictIdx, DomainIdx, MetricIdx, Reading};

use super::status::StatusThresholds;
use super::window::WindowSet;

/// Shared between the ingest worker (writer) and HTTP handlers (readers). A std `RwLock`:
/// every critical section is short and never awaits.
pub type SharedLive = Arc<RwLock<LiveState>>;

/// Aggregate key: a metric of a domain, in one district or (`None`) city-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct GroupKey {
    pub domain: DomainIdx,
    pub district: Option<DistrictIdx>,
    pub metric: MetricIdx,
}

#[derive(Debug, Clone)]
pub(super) struct SensorState {
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    /// Receive time of the last accepted reading (unix ms): sensor health is about reporting.
    pub last_seen_ms: Option<i64>,
    pub last_seq: Option<u64>,
    /// Latest value per metric by source timestamp: (metric, value, ts).
    pub latest: Vec<(MetricIdx, f64, i64)>,
    pub readings_received: u64,
}

#[derive(Debug)]
pub struct LiveState {
    pub(super) city: Arc<City>,
    pub(super) thresholds: StatusThresholds,
    pub(super) sensors: HashMap<Arc<str>, SensorState>,
    pub(super) groups: HashMap<GroupKey, WindowSet>,
    /// Expected interval assumed for unregistered sensors: the shortest of their domain.
    pub(super) default_interval_ms: Vec<i64>,
    unregistered: usize,
}

impl LiveState {
    pub fn new(city: Arc<City>, thresholds: StatusThresholds) -> Self {
        let sensors = city
            .sensors
            .iter()
            .map(|s| {
                let state = SensorState {
                    registered: true,
                    domain: s.domain,
                    district: s.district,
                    last_seen_ms: None,
                    last_seq: None,
                    latest: Vec::new(),
                    readings_received: 0,
                };
                (s.id.clone(), state)
            })
            .collect();
        let default_interval_ms = (0..city.domains.len())
            .map(|d| {
                city.sensors
                    .iter()
                    .filter(|s| usize::from(s.domain.0) == d)
                    .map(|s| s.interval_ms)
                    .min()
                    .unwrap_or(60_000)
            })
            .collect();
        LiveState {
            city,
            thresholds,
            sensors,
            groups: HashMap::new(),
            default_interval_ms,
            unregistered: 0,
        }
    }

    pub fn city(&self) -> &Arc<City> {
        &self.city
    }

    /// Folds the readings of one message (all from one sensor) into the live state. An
    /// unregistered sensor is added on first sight (the cap on how many is enforced upstream).
    pub fn apply(&mut self, readings: &[Reading], received_ms: i64) {
        let Some(first) = readings.first() else {
            return;
        };
        if !self.sensors.contains_key(&first.sensor) {
            self.unregistered += 1;
            self.sensors.insert(
                first.sensor.clone(),
                SensorState {
                    registered: false,
                    domain: first.domain,
                    district: first.district,
                    last_seen_ms: None,
                    last_seq: None,
                    latest: Vec::new(),
                    readings_received: 0,
                },
            );
        }
        for r in readings {
            self.record(r, received_ms);
        }
    }

    fn record(&mut self, r: &Reading, received_ms: i64) {
        if let Some(s) = self.sensors.get_mut(&r.sensor) {
            s.last_seen_ms = Some(s.last_seen_ms.map_or(received_ms, |t| t.max(received_ms)));
            s.readings_received += 1;
            if let Some(seq) = r.seq {
                s.last_seq = Some(s.last_seq.map_or(seq, |q| q.max(seq)));
            }
            match s.latest.iter_mut().find(|(m, _, _)| *m == r.metric) {
                Some(slot) if slot.2 <= r.ts_ms => *slot = (r.metric, r.value, r.ts_ms),
                Some(_) => {} // a late reading never hides a newer one
                None => s.latest.push((r.metric, r.value, r.ts_ms)),
            }
        }
        for district in [Some(r.district), None] {
            let key = GroupKey {
                domain: r.domain,
                district,
                metric: r.metric,
            };
            self.groups.entry(key).or_default().record(r.ts_ms, r.value);
        }
    }

    /// Number of sensors seen that are missing from the registry.
    pub fn unregistered_count(&self) -> usize {
        self.unregistered
    }
}
