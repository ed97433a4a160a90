//! `LiveState`: what the city looks like right now, fed reading by reading.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use crate::model::{City, DistrictIdx, DomainIdx, FastMap, MetricIdx, Reading};

use super::hourly::HourlySeries;
use super::status::StatusThresholds;
use super::window::{CountWindow, Span, SumWindow, WindowSet};

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
    /// Dense index: registry position for registered sensors, then order of first sight.
    pub idx: u32,
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    /// How often the sensor should report: its registry entry's, or its domain's shortest.
    pub interval_ms: i64,
    /// Receive time of the last accepted reading (unix ms): sensor health is about reporting.
    pub last_seen_ms: Option<i64>,
    /// Newest source timestamp, each capped at its reading's receive time: the sensor's `as_of`.
    pub as_of_ms: Option<i64>,
    pub last_seq: Option<u64>,
    /// Latest value per metric by source timestamp: (metric, value, ts).
    pub latest: Vec<(MetricIdx, f64, i64)>,
    pub readings_received: u64,
    /// The last 5 minutes of the metrics the indicators average (traffic counts, speed and
    /// occupancy; noise), with about one bucket per reporting interval (5 to 12 buckets).
    pub recent: Vec<(MetricIdx, SumWindow)>,
    /// Hourly means of air pollutants over the last day (the AQI's input).
    pub hourly: Vec<(MetricIdx, HourlySeries)>,
    /// Messages received in the last hour, by receive time: data completeness.
    pub messages: CountWindow,
    /// `seq` jumped ahead: readings that never arrived.
    pub seq_gaps: u64,
    /// `seq` went backwards: out-of-order or repeated messages.
    pub seq_repeats: u64,
    /// Readings the store recognised as already stored (redeliveries, repeated sends).
    pub duplicates: u64,
    /// Queue SLA over the last hour, for service centres only (allocated on first use).
    pub sla: Option<Box<Sla>>,
    /// Changed since the snapshot last took the dirty list.
    pub dirty: bool,
}

/// People served (weights) over the last hour, and of those, within the centre's target.
#[derive(Debug, Clone)]
pub(super) struct Sla {
    pub served: SumWindow,
    pub within: SumWindow,
}

impl SensorState {
    fn new(
        idx: u32,
        registered: bool,
        domain: DomainIdx,
        district: DistrictIdx,
        interval_ms: i64,
    ) -> Self {
        SensorState {
            idx,
            registered,
            domain,
            district,
            interval_ms,
            last_seen_ms: None,
            as_of_ms: None,
            last_seq: None,
            latest: Vec::new(),
            readings_received: 0,
            recent: Vec::new(),
            hourly: Vec::new(),
            messages: CountWindow::default(),
            seq_gaps: 0,
            seq_repeats: 0,
            duplicates: 0,
            sla: None,
            dirty: false,
        }
    }
}

/// Metrics the live state treats specially (from `City::known`).
#[derive(Debug, Default)]
pub(super) struct Special {
    /// Air pollutants whose hourly means feed the AQI.
    pub pollutants: Vec<MetricIdx>,
    pub avg_wait_s: Option<MetricIdx>,
    pub served_last_5m: Option<MetricIdx>,
    /// Metrics whose 5-minute mean a sensor's indicators read (traffic counts, speed and
    /// occupancy; noise): only these keep a per-sensor window.
    pub recent: Vec<MetricIdx>,
}

#[derive(Debug)]
pub struct LiveState {
    pub(super) city: Arc<City>,
    pub(super) thresholds: StatusThresholds,
    pub(super) sensors: FastMap<Arc<str>, SensorState>,
    pub(super) groups: FastMap<GroupKey, WindowSet>,
    /// Expected interval assumed for unregistered sensors: the shortest of their domain.
    pub(super) default_interval_ms: Vec<i64>,
    pub(super) special: Special,
    /// The queue wait a centre promises when its registry entry names none (s).
    pub(super) default_sla_target_s: f64,
    /// The ids of `sensors` missing from the registry, sorted: the listing's order after the
    /// registry's, kept as it grows so a page or a tick never sorts them again.
    pub(super) unregistered: BTreeSet<Arc<str>>,
    /// Sensor ids by dense index ([`SensorState::idx`]).
    pub(super) ids: Vec<Arc<str>>,
    /// Sensors changed since the snapshot last took this list, each once.
    pub(super) dirty: Vec<u32>,
}

impl LiveState {
    pub fn new(city: Arc<City>, thresholds: StatusThresholds, default_sla_target_s: f64) -> Self {
        let sensors = city
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let st = SensorState::new(i as u32, true, s.domain, s.district, s.interval_ms);
                (s.id.clone(), st)
            })
            .collect();
        let ids = city.sensors.iter().map(|s| s.id.clone()).collect();
        let default_interval_ms: Vec<i64> = (0..city.domains.len())
            .map(|d| {
                city.sensors
                    .iter()
                    .filter(|s| usize::from(s.domain.0) == d)
                    .map(|s| s.interval_ms)
                    .min()
                    .unwrap_or(60_000)
            })
            .collect();
        let special = Special {
            pollutants: city.known.pollutants_present(),
            avg_wait_s: city.known.avg_wait_s,
            served_last_5m: city.known.served_last_5m,
            recent: [
                city.known.vehicle_count,
                city.known.avg_speed_kmh,
                city.known.occupancy_pct,
                city.known.noise_db,
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        LiveState {
            city,
            thresholds,
            sensors,
            groups: FastMap::default(),
            default_interval_ms,
            special,
            default_sla_target_s,
            unregistered: BTreeSet::new(),
            ids,
            dirty: Vec::new(),
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
            let idx = self.ids.len() as u32;
            let interval = self.default_interval_ms[usize::from(first.domain.0)];
            self.unregistered.insert(first.sensor.clone());
            self.ids.push(first.sensor.clone());
            self.sensors.insert(
                first.sensor.clone(),
                SensorState::new(idx, false, first.domain, first.district, interval),
            );
        }
        self.note_sla(readings);
        if let Some(s) = self.sensors.get_mut(&first.sensor) {
            s.messages.record(received_ms);
            mark(&mut self.dirty, s);
        }
        for r in readings {
            self.record(r, received_ms);
        }
    }

    fn record(&mut self, r: &Reading, received_ms: i64) {
        let pollutant = self.special.pollutants.contains(&r.metric);
        let windowed = self.special.recent.contains(&r.metric);
        if let Some(s) = self.sensors.get_mut(&r.sensor) {
            s.last_seen_ms = Some(s.last_seen_ms.map_or(received_ms, |t| t.max(received_ms)));
            let as_of = r.ts_ms.min(received_ms);
            s.as_of_ms = Some(s.as_of_ms.map_or(as_of, |t| t.max(as_of)));
            s.readings_received += 1;
            if let Some(seq) = r.seq {
                match s.last_seq {
                    Some(last) if seq > last + 1 => s.seq_gaps += seq - last - 1,
                    Some(last) if seq < last => s.seq_repeats += 1,
                    _ => {}
                }
                s.last_seq = Some(s.last_seq.map_or(seq, |q| q.max(seq)));
            }
            match s.latest.iter_mut().find(|(m, _, _)| *m == r.metric) {
                Some(slot) if slot.2 <= r.ts_ms => *slot = (r.metric, r.value, r.ts_ms),
                Some(_) => {} // a late reading never hides a newer one
                None => push_one(&mut s.latest, (r.metric, r.value, r.ts_ms)),
            }
            match s.recent.iter_mut().find(|(m, _)| *m == r.metric) {
                Some((_, w)) => w.record(r.ts_ms, r.value),
                None if windowed => {
                    let mut w = SumWindow::sized(Span::FiveMinutes, s.interval_ms);
                    w.record(r.ts_ms, r.value);
                    push_one(&mut s.recent, (r.metric, w));
                }
                None => {}
            }
            if pollutant {
                match s.hourly.iter_mut().find(|(m, _)| *m == r.metric) {
                    Some((_, h)) => h.record(r.ts_ms, r.value),
                    None => {
                        let mut h = HourlySeries::default();
                        h.record(r.ts_ms, r.value);
                        push_one(&mut s.hourly, (r.metric, h));
                    }
                }
            }
        }
        for district in [Some(r.district), None] {
            let key = GroupKey {
                domain: r.domain,
                district,
                metric: r.metric,
            };
            self.groups
                .entry(key)
                .or_default()
                .record(r.ts_ms, received_ms, r.value);
        }
    }

    /// A queue record carrying both the average wait and the people served adds to the SLA:
    /// those served count as within the target when the average wait was.
    fn note_sla(&mut self, readings: &[Reading]) {
        let (Some(wait_m), Some(served_m)) = (self.special.avg_wait_s, self.special.served_last_5m)
        else {
            return;
        };
        let Some(first) = readings.first() else {
            return;
        };
        let target = self
            .city
            .sensor(&first.sensor)
            .and_then(|s| s.sla_target_s)
            .unwrap_or(self.default_sla_target_s);
        let Some(s) = self.sensors.get_mut(&first.sensor) else {
            return;
        };
        for wait in readings.iter().filter(|r| r.metric == wait_m) {
            let served = readings
                .iter()
                .find(|r| r.metric == served_m && r.ts_ms == wait.ts_ms);
            if let Some(served) = served.filter(|r| r.value > 0.0) {
                let interval = s.interval_ms;
                let sla = s.sla.get_or_insert_with(|| {
                    Box::new(Sla {
                        served: SumWindow::sized(Span::OneHour, interval),
                        within: SumWindow::sized(Span::OneHour, interval),
                    })
                });
                sla.served.record(wait.ts_ms, served.value);
                sla.within.record(
                    wait.ts_ms,
                    if wait.value <= target {
                        served.value
                    } else {
                        0.0
                    },
                );
            }
        }
    }

    /// Counts readings of `sensor` that the store found already stored.
    pub fn note_duplicates(&mut self, sensor: &str, n: u64) {
        if let Some(s) = self.sensors.get_mut(sensor) {
            s.duplicates += n;
            mark(&mut self.dirty, s);
        }
    }

    /// Seeds the hourly pollutant means from history (1-hour rollups), e.g. after a restart.
    pub fn seed_hourly(
        &mut self,
        sensor: &str,
        metric: MetricIdx,
        hour_start_ms: i64,
        count: u32,
        sum: f64,
    ) {
        if let Some(s) = self.sensors.get_mut(sensor) {
            mark(&mut self.dirty, s);
            match s.hourly.iter_mut().find(|(m, _)| *m == metric) {
                Some((_, h)) => h.add(hour_start_ms, count, sum),
                None => {
                    let mut h = HourlySeries::default();
                    h.add(hour_start_ms, count, sum);
                    s.hourly.push((metric, h));
                }
            }
        }
    }

    /// The pollutant metrics whose hourly means feed the AQI.
    pub fn pollutant_metrics(&self) -> &[MetricIdx] {
        &self.special.pollutants
    }

    /// Number of sensors seen that are missing from the registry.
    pub fn unregistered_count(&self) -> usize {
        self.unregistered.len()
    }
}

impl LiveState {
    /// Every sensor seen or registered: the dense indices run `0..sensor_count()`.
    pub fn sensor_count(&self) -> usize {
        self.ids.len()
    }

    /// The id of the sensor at dense index `idx`.
    pub fn id_at(&self, idx: u32) -> Option<&Arc<str>> {
        self.ids.get(idx as usize)
    }

    /// The sensors changed since the last call (readings, duplicates, seeded history), each
    /// once, and forgets them: the snapshot's incremental input.
    pub fn take_dirty(&mut self) -> Vec<u32> {
        let dirty = std::mem::take(&mut self.dirty);
        for idx in &dirty {
            if let Some(s) = self
                .ids
                .get(*idx as usize)
                .and_then(|id| self.sensors.get_mut(id))
            {
                s.dirty = false;
            }
        }
        dirty
    }
}

/// Appends a sensor's first value of a metric with room for exactly one more: these lists
/// grow a few times in a sensor's life, and doubling would leave an air station's 408-byte
/// hourly series half unused (capacity 8 for 5 or 6 pollutants).
fn push_one<T>(list: &mut Vec<T>, item: T) {
    list.reserve_exact(1);
    list.push(item);
}

fn mark(dirty: &mut Vec<u32>, s: &mut SensorState) {
    if !s.dirty {
        s.dirty = true;
        dirty.push(s.idx);
    }
}
