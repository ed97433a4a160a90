//! An air-quality station: pollutants follow the district's traffic (plus any jam there),
//! are multiplied by pollution episodes and washed out by heavy rain, and local sources
//! (smoke plumes) add to them; O₃ peaks in the
//! afternoon sun; temperature, humidity and noise come from the weather and the traffic.

use super::rng::Rng;
use super::world::World;

pub const METRICS: &[(&str, u8)] = &[
    ("pm25", 1),
    ("pm10", 1),
    ("no2", 1),
    ("o3", 1),
    ("so2", 1),
    ("co", 0),
    ("temperature_c", 1),
    ("humidity_pct", 1),
    ("noise_db", 1),
];

#[derive(Debug, Clone)]
pub struct AirSensor {
    /// How exposed this station is to traffic (roadside vs park).
    exposure: f64,
    district: usize,
}

impl AirSensor {
    pub fn new(district: usize, rng: &mut Rng) -> AirSensor {
        AirSensor {
            exposure: rng.range([0.6, 1.4]),
            district,
        }
    }

    pub fn sample(&mut self, world: &World, t: i64, rng: &mut Rng, out: &mut [f64]) {
        let Some(spec) = &world.scenario.air else {
            return;
        };
        let traffic = world.traffic_level(t)
            * (1.0 + world.incident_in_district(self.district, t))
            * self.exposure;
        let episode = world.air_episode(self.district, t);
        // A local source (a fire, dust) near the stations: not washed out like the city's air.
        let add = world.air_plume(self.district, t);
        let rain = world.rain_mm_h(self.district, t);
        let washout = 1.0 - spec.rain_washout * (rain / 20.0).min(1.0);
        let hour = world.local(t).hour;
        let sun = ((std::f64::consts::PI * (hour - 6.0) / 12.0).sin()).max(0.0);
        let (b, g) = (spec.background, spec.traffic_gain);
        let mut noisy = |v: f64| (v * (1.0 + spec.noise * rng.normal())).max(0.0);
        out[0] = noisy((b.pm25 + g.pm25 * traffic) * episode * washout + add.pm25);
        out[1] = noisy((b.pm10 + g.pm10 * traffic) * episode * washout + add.pm10);
        out[2] = noisy((b.no2 + g.no2 * traffic) * episode + add.no2);
        out[3] = noisy(b.o3 * (0.4 + sun) * episode.sqrt() + g.o3 * traffic + add.o3);
        out[4] = noisy((b.so2 + g.so2 * traffic) * episode + add.so2);
        out[5] = noisy((b.co + g.co * traffic) * episode + add.co);
        out[6] = world.temperature_c(self.district, t) + 0.3 * rng.normal();
        out[7] = (world.humidity_pct(self.district, t) + rng.normal()).clamp(0.0, 100.0);
        let [quiet, busy] = spec.noise_db;
        out[8] = quiet + (busy - quiet) * traffic.min(1.3) / 1.3 + 1.5 * rng.normal();
    }
}
