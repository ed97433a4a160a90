//! The metrics whose names the live state and the indicators know (the demo city's schema and
//! the design's contract), resolved once per city. A city file without one of them simply has
//! no indicator that needs it.

use super::{City, DomainIdx, MetricIdx};

/// The air pollutants of the AQI, in the order of `indicators::aqi`'s tables.
pub const POLLUTANTS: [&str; 6] = ["pm25", "pm10", "o3", "no2", "so2", "co"];

#[derive(Debug, Clone, Default)]
pub struct KnownMetrics {
    pub vehicle_count: Option<MetricIdx>,
    pub avg_speed_kmh: Option<MetricIdx>,
    pub occupancy_pct: Option<MetricIdx>,
    /// By [`POLLUTANTS`] position.
    pub pollutants: [Option<MetricIdx>; 6],
    pub noise_db: Option<MetricIdx>,
    pub water_level_cm: Option<MetricIdx>,
    pub rainfall_mm: Option<MetricIdx>,
    pub waiting: Option<MetricIdx>,
    pub avg_wait_s: Option<MetricIdx>,
    pub served_last_5m: Option<MetricIdx>,
    pub counters_open: Option<MetricIdx>,
}

impl KnownMetrics {
    /// Each name in the first domain whose schema has it.
    pub(super) fn resolve(city: &City) -> KnownMetrics {
        let find = |name: &str| {
            (0..city.domains.len()).find_map(|d| city.metric_idx(DomainIdx(d as u16), name))
        };
        KnownMetrics {
            vehicle_count: find("vehicle_count"),
            avg_speed_kmh: find("avg_speed_kmh"),
            occupancy_pct: find("occupancy_pct"),
            pollutants: POLLUTANTS.map(find),
            noise_db: find("noise_db"),
            water_level_cm: find("water_level_cm"),
            rainfall_mm: find("rainfall_mm"),
            waiting: find("waiting"),
            avg_wait_s: find("avg_wait_s"),
            served_last_5m: find("served_last_5m"),
            counters_open: find("counters_open"),
        }
    }

    /// The pollutants this city measures, in [`POLLUTANTS`] order.
    pub fn pollutants_present(&self) -> Vec<MetricIdx> {
        self.pollutants.iter().flatten().copied().collect()
    }
}
