//! A water-level station: the level rises with the rain over its district and drains back
//! towards its dry-weather base, with a small semi-diurnal tide, and flood waves raise it; it
//! also reports the rain fallen in the last hour.

use super::rng::Rng;
use super::world::World;

pub const METRICS: &[(&str, u8)] = &[("water_level_cm", 1), ("rainfall_mm", 1)];

/// M2 tide period, 12 h 25 min.
const TIDE_PERIOD_MS: f64 = 44_700_000.0;

#[derive(Debug, Clone)]
pub struct WaterSensor {
    base_cm: f64,
    tide_phase: f64,
    /// Rise above base from recent rain, cm.
    excess_cm: f64,
    last_t: Option<i64>,
    district: usize,
}

impl WaterSensor {
    pub fn new(world: &World, district: usize, rng: &mut Rng) -> WaterSensor {
        let range = world
            .scenario
            .water
            .as_ref()
            .map_or([100.0, 100.0], |w| w.base_level_cm);
        WaterSensor {
            base_cm: rng.range(range),
            tide_phase: rng.f64() * std::f64::consts::TAU,
            excess_cm: 0.0,
            last_t: None,
            district,
        }
    }

    pub fn sample(&mut self, world: &World, t: i64, rng: &mut Rng, out: &mut [f64]) {
        let Some(spec) = &world.scenario.water else {
            return;
        };
        let dt_h = self
            .last_t
            .map_or(0.0, |last| (t - last) as f64 / 3_600_000.0);
        self.last_t = Some(t);
        let rain_mm = world.rain_mm_h(self.district, t) * dt_h;
        self.excess_cm =
            self.excess_cm * (1.0 - spec.drain_per_h).powf(dt_h) + spec.rise_cm_per_mm * rain_mm;
        let tide = spec.tide_cm
            * (std::f64::consts::TAU * t as f64 / TIDE_PERIOD_MS + self.tide_phase).sin();
        let flood = world.flood_cm(self.district, t);
        out[0] = self.base_cm + self.excess_cm + flood + tide + spec.noise_cm * rng.normal();
        out[1] = world.rain_last_hour_mm(self.district, t);
    }
}
