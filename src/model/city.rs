//! The city registry: domains with their metric schemas, districts, sensors. Built once from
//! configuration ("parse, don't validate"): once a `City` exists, every index in it is valid.

use std::collections::HashMap;
use std::sync::Arc;

/// Index of a domain in `City::domains`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainIdx(pub u16);
/// Index of a district in `City::districts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DistrictIdx(pub u16);
/// Index of a metric in `City::metrics` (metrics of all domains share one table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricIdx(pub u16);

#[derive(Debug, Clone)]
pub struct Domain {
    pub name: String,
    pub metrics: Vec<MetricIdx>,
    pub(super) metric_by_name: HashMap<String, MetricIdx>,
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub domain: DomainIdx,
    pub name: String,
    pub unit: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone)]
pub struct District {
    pub id: String,
    pub name: String,
    /// `[lon, lat]` pairs.
    pub polygon: Vec<[f64; 2]>,
}

#[derive(Debug, Clone)]
pub struct Sensor {
    pub id: Arc<str>,
    pub name: String,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    pub lat: f64,
    pub lon: f64,
    pub interval_ms: i64,
    pub free_flow_kmh: Option<f64>,
    pub warning_levels_cm: Option<[f64; 3]>,
    pub sla_target_s: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct City {
    pub name: String,
    /// The city's calendar (`timezone` in the city file).
    pub zone: super::Zone,
    pub domains: Vec<Domain>,
    pub metrics: Vec<Metric>,
    pub districts: Vec<District>,
    pub sensors: Vec<Sensor>,
    /// The metrics the live state and the indicators know by name, resolved once.
    pub known: super::KnownMetrics,
    pub(super) domain_by_name: HashMap<String, DomainIdx>,
    pub(super) district_by_id: HashMap<String, DistrictIdx>,
    pub(super) sensor_by_id: super::FastMap<Arc<str>, usize>,
}

/// A city file that cannot describe a city. The message names the entry and the problem.
#[derive(Debug, thiserror::Error)]
#[error("city config `{key}` = {value}: {allowed}")]
pub struct CityError {
    pub key: String,
    pub value: String,
    pub allowed: String,
}

pub(super) fn err(
    key: String,
    value: impl std::fmt::Display,
    allowed: impl Into<String>,
) -> CityError {
    CityError {
        key,
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// Ids used in topics: letters, digits, '-', '_' and '.', at most 64 characters.
pub(crate) fn is_valid_id(id: &str) -> bool {
    // An id of dots only (`.`, `..`) reads as a path step wherever ids become paths or URLs.
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !id.bytes().all(|b| b == b'.')
}

impl City {
    pub fn domain_idx(&self, name: &str) -> Option<DomainIdx> {
        self.domain_by_name.get(name).copied()
    }

    pub fn district_idx(&self, id: &str) -> Option<DistrictIdx> {
        self.district_by_id.get(id).copied()
    }

    pub fn sensor(&self, id: &str) -> Option<&Sensor> {
        self.sensor_by_id.get(id).map(|&i| &self.sensors[i])
    }

    /// Where `id` stands in the registry (`sensors`): what a sensor listing resumes after.
    pub fn sensor_position(&self, id: &str) -> Option<usize> {
        self.sensor_by_id.get(id).copied()
    }

    pub fn domain(&self, idx: DomainIdx) -> &Domain {
        &self.domains[usize::from(idx.0)]
    }

    pub fn district(&self, idx: DistrictIdx) -> &District {
        &self.districts[usize::from(idx.0)]
    }

    pub fn metric(&self, idx: MetricIdx) -> &Metric {
        &self.metrics[usize::from(idx.0)]
    }

    /// The metric of `domain` called `name`, if the domain's schema has it.
    pub fn metric_idx(&self, domain: DomainIdx, name: &str) -> Option<MetricIdx> {
        self.domain(domain).metric_by_name.get(name).copied()
    }

    /// Domain names, comma-separated, for error messages.
    pub fn domain_names(&self) -> String {
        names(self.domains.iter().map(|d| d.name.as_str()))
    }
}

pub(super) fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

pub(super) fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}
