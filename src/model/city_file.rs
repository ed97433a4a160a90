//! The city layout as written in a city file: domains with their metric schemas, districts
//! with their polygons, and the sensor registry. `model::City` is built from it.

use serde::Deserialize;

/// The built-in demo city, used when `city.path` is empty.
pub const DEMO_CITY: &str = include_str!("../../config/city.toml");

impl CityConfig {
    /// The built-in demo city (Da Nang's districts), as the city file `config/city.toml` holds it.
    pub fn demo() -> Result<CityConfig, toml::de::Error> {
        toml::from_str(DEMO_CITY)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityConfig {
    pub name: String,
    pub domains: Vec<DomainConfig>,
    pub districts: Vec<DistrictConfig>,
    #[serde(default)]
    pub sensors: Vec<SensorConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    pub name: String,
    pub metrics: Vec<MetricConfig>,
}

/// One metric of a domain: its unit and the range a plausible reading falls in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    pub name: String,
    pub unit: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictConfig {
    pub id: String,
    pub name: String,
    /// The outline as `[lon, lat]` pairs.
    pub polygon: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorConfig {
    pub id: String,
    pub domain: String,
    pub district: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// How often the sensor is expected to report, in seconds.
    pub interval_s: u32,
    /// Traffic: the speed on this road when it is free (km/h); congestion is measured against it.
    #[serde(default)]
    pub free_flow_kmh: Option<f64>,
    /// Water level: warning levels I, II and III (cm), rising.
    #[serde(default)]
    pub warning_levels_cm: Option<[f64; 3]>,
    /// Public service: the wait a centre promises (s); the SLA is the share served within it.
    #[serde(default)]
    pub sla_target_s: Option<f64>,
}
