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
    /// This road's free-flow speed: the city's, so that ioc's congestion index (1 − speed /
    /// free flow) reads what the model meant; the scenario's for roads the city gives none.
    free_flow_kmh: f64,
}

impl TrafficSensor {
    pub fn new(world: &World, free_flow_kmh: Option<f64>, rng: &mut Rng) -> TrafficSensor {
        let spec = world.scenario.traffic.as_ref();
        let spread = spec.map_or([1.0, 1.0], |t| t.capacity_spread);
        TrafficSensor {
            capacity: rng.range(spread),
            free_flow_kmh: free_flow_kmh
                .filter(|v| v.is_finite() && *v > 0.0)
                .unwrap_or_else(|| spec.map_or(50.0, |t| t.free_flow_kmh)),
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
        let free = self.free_flow_kmh * (1.0 - 0.45 * level.min(1.2).powi(2));
        out[0] = rng.poisson(mean) as f64;
        out[1] = (free * (1.0 - 0.85 * jam) * noise(rng)).max(2.0);
        out[2] = ((8.0 + 45.0 * level + 50.0 * jam) * noise(rng)).clamp(0.0, 99.0);
    }
}
