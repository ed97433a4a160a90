//! One simulated sensor: its model, its generators, its sequence number and its faults. A
//! `tick` turns one reading into the messages that leave the sensor (none, one or several).

use std::sync::Arc;

use super::air::AirSensor;
use super::payload::{self, Field, Record};
use super::queue::QueueSensor;
use super::traffic::TrafficSensor;
use super::water::WaterSensor;
use super::world::World;
use super::{rng::Rng, SimMessage, Stats};
use crate::faults::{malformed_payload, Fault, FaultSet, FaultState};

/// At most this many readings are buffered during an outage (a sensor's memory is small).
const MAX_BUFFERED: usize = 50;

#[derive(Debug, Clone)]
pub enum Model {
    Traffic(TrafficSensor),
    Air(AirSensor),
    Water(WaterSensor),
    Queue(QueueSensor),
}

pub struct SensorSim {
    /// Position in `City::sensors`.
    pub index: usize,
    pub id: Arc<str>,
    pub topic: Arc<str>,
    pub interval_ms: i64,
    pub model: Model,
    /// The model's metrics that the sensor's domain has, with their slot in the model output.
    pub fields: Vec<Field>,
    pub slots: Vec<usize>,
    /// Valid range per field, from the city schema; values are kept inside it.
    pub ranges: Vec<(f64, f64)>,
    pub senml: bool,
    pub rng: Rng,
    pub fault_rng: Rng,
    pub faults: FaultState,
    pub seq: u64,
    /// Model output scratch space.
    pub raw: Vec<f64>,
    /// The last values delivered, which a stuck sensor repeats.
    pub last_values: Option<Vec<f64>>,
    pub frozen: Option<Vec<f64>>,
    pub buffered: Vec<Record>,
    /// A message held back to be delivered after the next one (out-of-order fault).
    pub held: Option<SimMessage>,
}

impl SensorSim {
    /// Takes the reading due at `t` and appends what the sensor sends to `out`.
    pub fn tick(&mut self, world: &World, t: i64, stats: &mut Stats, out: &mut Vec<SimMessage>) {
        self.seq += 1;
        match &mut self.model {
            Model::Traffic(m) => m.sample(world, self.index, t, &mut self.rng, &mut self.raw),
            Model::Air(m) => m.sample(world, t, &mut self.rng, &mut self.raw),
            Model::Water(m) => m.sample(world, t, &mut self.rng, &mut self.raw),
            Model::Queue(m) => m.sample(world, t, &mut self.rng, &mut self.raw),
        }
        let mut values: Vec<f64> = self
            .slots
            .iter()
            .zip(&self.ranges)
            .map(|(s, (lo, hi))| self.raw[*s].clamp(*lo, *hi))
            .collect();
        let spec = &world.scenario.faults;
        let d = self.faults.decide(spec, values.len(), &mut self.fault_rng);
        stats.readings += 1;
        let mut tags = FaultSet::default();

        if d.stuck {
            let frozen = self
                .frozen
                .get_or_insert_with(|| self.last_values.clone().unwrap_or_else(|| values.clone()));
            values.clone_from(frozen);
            tags.insert(Fault::Stuck);
        } else {
            self.frozen = None;
        }
        if let Some(i) = d.spike {
            values[i] = (values[i].max(1.0) * spec.spike_factor).min(self.ranges[i].1);
            tags.insert(Fault::Spike);
        }
        if d.skew_ms != 0 {
            tags.insert(Fault::ClockSkew);
        }
        let record = Record {
            ts_ms: t + d.skew_ms,
            seq: self.seq,
            values,
        };
        if d.dropped {
            stats.count(Fault::Dropout);
            if spec.dropout_buffered && self.buffered.len() < MAX_BUFFERED {
                self.buffered.push(record);
            }
            return;
        }
        self.last_values = Some(record.values.clone());
        tags.iter().for_each(|f| stats.count(f));

        let mut payload = if !self.buffered.is_empty() {
            self.buffered.push(record);
            let batch = payload::batch(&self.fields, &self.buffered);
            self.buffered.clear();
            batch
        } else if self.senml {
            payload::senml(&self.id, &self.fields, &record)
        } else {
            let mut s = String::with_capacity(128);
            payload::object(&mut s, &self.fields, &record);
            s
        }
        .into_bytes();
        if let Some(pick) = d.malformed {
            payload = malformed_payload(&payload, pick);
            tags.insert(Fault::Malformed);
            stats.count(Fault::Malformed);
        }
        let msg = SimMessage {
            sim_ms: t,
            topic: self.topic.clone(),
            payload,
            faults: tags,
        };
        if d.out_of_order && self.held.is_none() {
            let mut msg = msg;
            msg.faults.insert(Fault::OutOfOrder);
            stats.count(Fault::OutOfOrder);
            self.held = Some(msg);
            return;
        }
        if d.duplicate {
            let mut dup = msg.clone();
            dup.faults.insert(Fault::Duplicate);
            stats.count(Fault::Duplicate);
            out.push(msg);
            out.push(dup);
        } else {
            out.push(msg);
        }
        if let Some(mut held) = self.held.take() {
            held.sim_ms = t;
            out.push(held);
        }
    }
}
