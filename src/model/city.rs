//! The city registry: domains with their metric schemas, districts, sensors. Built once from
//! configuration ("parse, don't validate"): once a `City` exists, every index in it is valid.

use std::collections::HashMap;
use std::sync::Arc;

use super::CityConfig;

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
    metric_by_name: HashMap<String, MetricIdx>,
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
    pub domains: Vec<Domain>,
    pub metrics: Vec<Metric>,
    pub districts: Vec<District>,
    pub sensors: Vec<Sensor>,
    domain_by_name: HashMap<String, DomainIdx>,
    district_by_id: HashMap<String, DistrictIdx>,
    sensor_by_id: HashMap<Arc<str>, usize>,
}

/// A city file that cannot describe a city. The message names the entry and the problem.
#[derive(Debug, thiserror::Error)]
#[error("city config `{key}` = {value}: {allowed}")]
pub struct CityError {
    pub key: String,
    pub value: String,
    pub allowed: String,
}

fn err(key: String, value: impl std::fmt::Display, allowed: impl Into<String>) -> CityError {
    CityError {
        key,
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// Ids used in topics: letters, digits, '-', '_' and '.', at most 64 characters.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl City {
    pub fn from_config(cfg: &CityConfig) -> Result<City, CityError> {
        if cfg.domains.is_empty() || cfg.domains.len() > 64 {
            return Err(err("domains".into(), cfg.domains.len(), "1 to 64 domains"));
        }
        let mut domains = Vec::new();
        let mut metrics = Vec::new();
        let mut domain_by_name = HashMap::new();
        for (i, d) in cfg.domains.iter().enumerate() {
            let key = format!("domains[{i}].name");
            if !is_valid_id(&d.name) {
                return Err(err(
                    key,
                    format!("{:?}", d.name),
                    "letters, digits, '-', '_', '.'; 1 to 64 characters",
                ));
            }
            let idx = DomainIdx(i as u16);
            if domain_by_name.insert(d.name.clone(), idx).is_some() {
                return Err(err(
                    key,
                    format!("{:?}", d.name),
                    "domain names must be unique",
                ));
            }
            if d.metrics.is_empty() {
                return Err(err(
                    format!("domains[{i}].metrics"),
                    "[]",
                    "at least one metric",
                ));
            }
            let mut domain = Domain {
                name: d.name.clone(),
                metrics: Vec::new(),
                metric_by_name: HashMap::new(),
            };
            for (j, m) in d.metrics.iter().enumerate() {
                let key = format!("domains[{i}].metrics[{j}]");
                let reserved = matches!(m.name.as_str(), "ts" | "seq");
                if !is_valid_id(&m.name) || reserved {
                    return Err(err(
                        format!("{key}.name"),
                        format!("{:?}", m.name),
                        "an identifier other than \"ts\" and \"seq\"",
                    ));
                }
                if !(m.min.is_finite() && m.max.is_finite() && m.min < m.max) {
                    return Err(err(
                        format!("{key}.max"),
                        m.max,
                        format!("a finite number above min ({})", m.min),
                    ));
                }
                if metrics.len() >= usize::from(u16::MAX) {
                    return Err(err(key, metrics.len(), "at most 65535 metrics in all"));
                }
                let midx = MetricIdx(metrics.len() as u16);
                if domain.metric_by_name.insert(m.name.clone(), midx).is_some() {
                    return Err(err(
                        format!("{key}.name"),
                        format!("{:?}", m.name),
                        "metric names must be unique within a domain",
                    ));
                }
                domain.metrics.push(midx);
                metrics.push(Metric {
                    domain: idx,
                    name: m.name.clone(),
                    unit: m.unit.clone(),
                    min: m.min,
                    max: m.max,
                });
            }
            domains.push(domain);
        }

        if cfg.districts.is_empty() || cfg.districts.len() > 10_000 {
            return Err(err(
                "districts".into(),
                cfg.districts.len(),
                "1 to 10000 districts",
            ));
        }
        let mut district_by_id = HashMap::new();
        let mut districts = Vec::new();
        for (i, d) in cfg.districts.iter().enumerate() {
            let key = format!("districts[{i}]");
            if !is_valid_id(&d.id) {
                return Err(err(
                    format!("{key}.id"),
                    format!("{:?}", d.id),
                    "letters, digits, '-', '_', '.'; 1 to 64 characters",
                ));
            }
            if district_by_id
                .insert(d.id.clone(), DistrictIdx(i as u16))
                .is_some()
            {
                return Err(err(
                    format!("{key}.id"),
                    format!("{:?}", d.id),
                    "district ids must be unique",
                ));
            }
            if d.polygon.len() < 3 {
                return Err(err(
                    format!("{key}.polygon"),
                    format!("{} points", d.polygon.len()),
                    "at least 3 [lon, lat] points",
                ));
            }
            if let Some([lon, lat]) = d
                .polygon
                .iter()
                .find(|[lon, lat]| !valid_lon_lat(*lon, *lat))
            {
                return Err(err(
                    format!("{key}.polygon"),
                    format!("[{lon}, {lat}]"),
                    "longitude -180..180 and latitude -90..90",
                ));
            }
            districts.push(District {
                id: d.id.clone(),
                name: d.name.clone(),
                polygon: d.polygon.clone(),
            });
        }

        let mut sensor_by_id = HashMap::new();
        let mut sensors = Vec::new();
        for (i, s) in cfg.sensors.iter().enumerate() {
            let key = format!("sensors[{i}]");
            if !is_valid_id(&s.id) {
                return Err(err(
                    format!("{key}.id"),
                    format!("{:?}", s.id),
                    "letters, digits, '-', '_', '.'; 1 to 64 characters",
                ));
            }
            let domain = *domain_by_name.get(&s.domain).ok_or_else(|| {
                err(
                    format!("{key}.domain"),
                    format!("{:?}", s.domain),
                    format!(
                        "one of the domains: {}",
                        names(cfg.domains.iter().map(|d| d.name.as_str()))
                    ),
                )
            })?;
            let district = *district_by_id.get(&s.district).ok_or_else(|| {
                err(
                    format!("{key}.district"),
                    format!("{:?}", s.district),
                    "the id of a district in this city file",
                )
            })?;
            if !valid_lon_lat(s.lon, s.lat) {
                return Err(err(
                    format!("{key}.lat"),
                    format!("{}, lon {}", s.lat, s.lon),
                    "longitude -180..180 and latitude -90..90",
                ));
            }
            if s.interval_s == 0 || s.interval_s > 86_400 {
                return Err(err(
                    format!("{key}.interval_s"),
                    s.interval_s,
                    "1 to 86400 seconds",
                ));
            }
            if let Some(v) = s
                .free_flow_kmh
                .filter(|v| !(v.is_finite() && *v > 0.0 && *v <= 200.0))
            {
                return Err(err(
                    format!("{key}.free_flow_kmh"),
                    v,
                    "a speed above 0 and at most 200 km/h",
                ));
            }
            if let Some(l) = s
                .warning_levels_cm
                .filter(|l| !(l.iter().all(|v| v.is_finite()) && l[0] < l[1] && l[1] < l[2]))
            {
                return Err(err(
                    format!("{key}.warning_levels_cm"),
                    format!("{l:?}"),
                    "three rising levels I < II < III",
                ));
            }
            if let Some(v) = s.sla_target_s.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(err(
                    format!("{key}.sla_target_s"),
                    v,
                    "a positive number of seconds",
                ));
            }
            let id: Arc<str> = Arc::from(s.id.as_str());
            if sensor_by_id.insert(id.clone(), sensors.len()).is_some() {
                return Err(err(
                    format!("{key}.id"),
                    format!("{:?}", s.id),
                    "sensor ids must be unique",
                ));
            }
            sensors.push(Sensor {
                id,
                name: s.name.clone(),
                domain,
                district,
                lat: s.lat,
                lon: s.lon,
                interval_ms: i64::from(s.interval_s) * 1000,
                free_flow_kmh: s.free_flow_kmh,
                warning_levels_cm: s.warning_levels_cm,
                sla_target_s: s.sla_target_s,
            });
        }

        Ok(City {
            name: cfg.name.clone(),
            domains,
            metrics,
            districts,
            sensors,
            domain_by_name,
            district_by_id,
            sensor_by_id,
        })
    }

    pub fn domain_idx(&self, name: &str) -> Option<DomainIdx> {
        self.domain_by_name.get(name).copied()
    }

    pub fn district_idx(&self, id: &str) -> Option<DistrictIdx> {
        self.district_by_id.get(id).copied()
    }

    pub fn sensor(&self, id: &str) -> Option<&Sensor> {
        self.sensor_by_id.get(id).map(|&i| &self.sensors[i])
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

fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}
