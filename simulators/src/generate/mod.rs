//! The pure generator core: scenario + city + start time → a time-ordered stream of
//! `SimMessage`s. No I/O and no wall clock; the publishing shell paces it.
//!
//! ```text
//! World (weather, traffic level, incidents, episodes: pure functions of seed, time, place)
//!   ▲ read by
//! SensorSim × N (model state, value rng, fault rng, seq) ──tick──► SimMessage(s)
//!   ▲ scheduled by
//! Generator: a min-heap of (next reading time, sensor) ── Iterator<Item = SimMessage>
//!   ▲ merged by time with
//! Events: citizen reports and camera detections (scheduled, and random per local day)
//! ```
//!
//! Each sensor draws from generators seeded by (seed, sensor id), so the stream does not
//! depend on how many sensors there are, in which order they are listed, or on scheduling;
//! events draw from generators seeded by (seed, day or entry, place), likewise.

mod air;
pub mod clock;
mod episode;
pub mod events;
mod payload;
mod queue;
pub mod rng;
mod sensor;
mod traffic;
mod water;
mod world;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use ioc::model::City;

use crate::faults::{Fault, FaultSet, FaultState};
use crate::scenario::{matches_any, Scenario};
use events::Events;
use payload::Field;
use rng::{hash_str, mix, Rng};
use sensor::{Model, SensorSim};
pub use world::World;

/// One message as the simulated sensor sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimMessage {
    /// When it is sent, simulated unix ms.
    pub sim_ms: i64,
    pub topic: Arc<str>,
    pub payload: Vec<u8>,
    /// The faults injected into it (empty for a healthy message).
    pub faults: FaultSet,
}

/// What the generator has produced so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readings taken by all sensors, including those lost to outages.
    pub readings: u64,
    /// Messages emitted, events included.
    pub messages: u64,
    /// Events emitted (citizen reports and camera detections).
    pub events: u64,
    /// Per fault (in `Fault::ALL` order): readings or messages affected.
    pub faults: [u64; 7],
}

impl Stats {
    pub fn count(&mut self, f: Fault) {
        self.faults[f as usize] += 1;
    }

    pub fn of(&self, f: Fault) -> u64 {
        self.faults[f as usize]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the scenario drives no sensor of this city and has no [events]: no sensor id matches the `sensors` patterns of its sections")]
    NoSensors,
    #[error("sensor {sensor} (domain {domain}) is driven by the {model} model, but its domain has none of the model's metrics ({metrics})")]
    NoMetrics {
        sensor: String,
        domain: String,
        model: &'static str,
        metrics: String,
    },
}

/// Streams the scenario's messages in time order, from `start_ms` until before `end_ms`.
pub struct Generator {
    world: World,
    sensors: Vec<SensorSim>,
    /// (next reading time, position in `sensors`): ties go to the earlier-listed sensor.
    due: BinaryHeap<Reverse<(i64, usize)>>,
    end_ms: Option<i64>,
    out: VecDeque<SimMessage>,
    scratch: Vec<SimMessage>,
    now_ms: i64,
    /// Simulated time of the last message emitted, readings or events.
    last_ms: i64,
    stats: Stats,
    skipped: usize,
    events: Option<Events>,
}

impl Generator {
    pub fn new(
        scenario: Scenario,
        city: &City,
        topic_prefix: &str,
        start_ms: i64,
        end_ms: Option<i64>,
    ) -> Result<Generator, GenerateError> {
        let world = World::new(scenario, city, start_ms);
        let s = &world.scenario;
        let mut sensors = Vec::new();
        let mut due = BinaryHeap::new();
        let mut skipped = 0;
        for (index, c) in city.sensors.iter().enumerate() {
            let pick =
                |patterns: Option<&Vec<String>>| patterns.is_some_and(|p| matches_any(p, &c.id));
            let seed = mix(&[s.seed, hash_str(&c.id)]);
            let mut setup = Rng::new(mix(&[seed, 0]));
            let district = usize::from(c.district.0);
            let (model, name, metrics) = if pick(s.traffic.as_ref().map(|t| &t.sensors)) {
                (
                    Model::Traffic(traffic::TrafficSensor::new(
                        &world,
                        c.free_flow_kmh,
                        &mut setup,
                    )),
                    "traffic",
                    traffic::METRICS,
                )
            } else if pick(s.air.as_ref().map(|a| &a.sensors)) {
                (
                    Model::Air(air::AirSensor::new(district, &mut setup)),
                    "air",
                    air::METRICS,
                )
            } else if pick(s.water.as_ref().map(|w| &w.sensors)) {
                (
                    Model::Water(water::WaterSensor::new(&world, district, &mut setup)),
                    "water",
                    water::METRICS,
                )
            } else if pick(s.queues.as_ref().map(|q| &q.sensors)) {
                (
                    Model::Queue(queue::QueueSensor::new(&world, &mut setup)),
                    "queues",
                    queue::METRICS,
                )
            } else {
                skipped += 1;
                continue;
            };
            let (mut fields, mut slots, mut ranges) = (Vec::new(), Vec::new(), Vec::new());
            for (slot, (metric, decimals)) in metrics.iter().enumerate() {
                if let Some(m) = city.metric_idx(c.domain, metric) {
                    let m = city.metric(m);
                    fields.push(Field {
                        name: metric,
                        decimals: *decimals,
                    });
                    slots.push(slot);
                    ranges.push((m.min, m.max));
                }
            }
            if fields.is_empty() {
                return Err(GenerateError::NoMetrics {
                    sensor: c.id.to_string(),
                    domain: city.domain(c.domain).name.clone(),
                    model: name,
                    metrics: metrics
                        .iter()
                        .map(|(m, _)| *m)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            let topic = format!(
                "{topic_prefix}/{}/{}/{}",
                city.domain(c.domain).name,
                city.district(c.district).id,
                c.id
            );
            // Readings are staggered across the interval so the city does not pulse.
            let first = start_ms + (setup.f64() * c.interval_ms as f64) as i64;
            sensors.push(SensorSim {
                index,
                id: c.id.clone(),
                topic: topic.into(),
                interval_ms: c.interval_ms,
                model,
                fields,
                slots,
                ranges,
                senml: setup.chance(s.formats.senml_share),
                rng: Rng::new(mix(&[seed, 1])),
                fault_rng: Rng::new(mix(&[seed, 2])),
                faults: FaultState::default(),
                seq: 0,
                raw: vec![0.0; metrics.len()],
                last_values: None,
                frozen: None,
                buffered: Vec::new(),
                held: None,
            });
            if end_ms.is_none_or(|e| first < e) {
                due.push(Reverse((first, sensors.len() - 1)));
            }
        }
        let events = world.scenario.events.clone().map(|spec| {
            Events::new(
                spec,
                city,
                (world.seed, world.utc_offset_ms),
                topic_prefix,
                (start_ms, end_ms),
            )
        });
        if sensors.is_empty() && events.is_none() {
            return Err(GenerateError::NoSensors);
        }
        Ok(Generator {
            world,
            sensors,
            due,
            end_ms,
            out: VecDeque::new(),
            scratch: Vec::new(),
            now_ms: start_ms,
            last_ms: start_ms,
            stats: Stats::default(),
            skipped,
            events,
        })
    }

    /// Counts so far: readings, messages, faults.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// How many sensors of the city no section of the scenario drives.
    pub fn skipped_sensors(&self) -> usize {
        self.skipped
    }

    pub fn sensor_count(&self) -> usize {
        self.sensors.len()
    }

    /// Simulated time of the last reading taken.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// What of the scenario this city cannot play (a district it lacks), one line each.
    pub fn warnings(&self) -> Vec<String> {
        let events = self.events.iter().flat_map(|e| e.warnings());
        self.world
            .warnings()
            .iter()
            .chain(events)
            .cloned()
            .collect()
    }

    /// The cameras the run's events come from (none without `[events]`).
    pub fn cameras(&self) -> &[events::Camera] {
        self.events.as_ref().map_or(&[], |e| e.cameras())
    }

    /// Delivers what sensors still hold back (out-of-order messages) once the run ends.
    fn flush_held(&mut self) {
        for s in &mut self.sensors {
            if let Some(mut m) = s.held.take() {
                m.sim_ms = self.last_ms;
                self.out.push_back(m);
            }
        }
    }
}

impl Iterator for Generator {
    type Item = SimMessage;

    fn next(&mut self) -> Option<SimMessage> {
        loop {
            if let Some(m) = self.out.pop_front() {
                self.stats.messages += 1;
                self.last_ms = self.last_ms.max(m.sim_ms);
                return Some(m);
            }
            // An event due no later than the next reading goes first.
            let next_reading = self.due.peek().map(|Reverse((t, _))| *t);
            if let Some(e) = self
                .events
                .as_mut()
                .and_then(|e| e.next_before(next_reading))
            {
                self.stats.events += 1;
                self.out.push_back(e);
                continue;
            }
            let Some(Reverse((t, pos))) = self.due.pop() else {
                self.flush_held();
                if self.out.is_empty() {
                    return None;
                }
                continue;
            };
            self.now_ms = t;
            let sensor = &mut self.sensors[pos];
            sensor.tick(&self.world, t, &mut self.stats, &mut self.scratch);
            self.out.extend(self.scratch.drain(..));
            let next = t + sensor.interval_ms;
            if self.end_ms.is_none_or(|e| next < e) {
                self.due.push(Reverse((next, pos)));
            }
        }
    }
}

#[cfg(test)]
mod tests;
