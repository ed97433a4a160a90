//! A traffic loop detector: vehicle count per interval, mean speed, occupancy. Flow follows
//! the hourly profile; an incident on the sensor's segment makes a jam (speed and flow
//! collapse, occupancy climbs).

use super::rng::Rng;
use super::world::World;

pub const METRICS: &[(&str, u8)] = &[
    ("vehicle_count", 0),
    ("avg_speed_kmh", 1),
    ("occupancy_pct", 1),
];

#[derive(Debug, Clone)]
pub struct TrafficSensor {
    /// This road's capacity relative to a typical one.
    capacity: f64,
}

impl TrafficSensor {
    pub fn new(world: &World, rng: &mut Rng) -> TrafficSensor {
        let spread = world
            .scenario
            .traffic
            .as_ref()
            .map_or([1.0, 1.0], |t| t.capacity_spread);
        TrafficSensor {
            capacity: rng.range(spread),
        }
    }

    pub fn sample(&mut self, world: &World, sensor: usize, t: i64, rng: &mut Rng, out: &mut [f64]) {
        let Some(spec) = &world.scenario.traffic else {
            return;
        };
        let level = world.traffic_level(t);
        let jam = world.incident_at_sensor(sensor, t);
        let mean = spec.vehicles_per_interval * self.capacity * level * (1.0 - 0.75 * jam);
        let noise = |rng: &mut Rng| 1.0 + spec.noise * rng.normal();
        let free = spec.free_flow_kmh * (1.0 - 0.45 * level.min(1.2).powi(2));
        out[0] = rng.poisson(mean) as f64;
        out[1] = (free * (1.0 - 0.85 * jam) * noise(rng)).max(2.0);
        out[2] = ((8.0 + 45.0 * level + 50.0 * jam) * noise(rng)).clamp(0.0, 99.0);
    }
}
