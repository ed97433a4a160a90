//! Building a [`City`] from its file, part by part: domains with their metrics, districts,
//! sensors. Each part checks its own entries; the first problem names the entry and the rule
//! ("parse, don't validate": once a `City` exists, every index in it is valid).

use std::collections::HashMap;
use std::sync::Arc;

use super::city::{err, is_valid_id, names, valid_lon_lat};
use super::{
    City, CityConfig, CityError, District, DistrictConfig, DistrictIdx, Domain, DomainConfig,
    DomainIdx, KnownMetrics, Metric, MetricConfig, MetricIdx, Sensor, SensorConfig,
};

/// The district id that names the city as a whole in stream names and REST paths.
const RESERVED_DISTRICT: &str = "city";

const ID_RULE: &str = "letters, digits, '-', '_', '.' (not dots only); 1 to 64 characters";

impl City {
    pub fn from_config(cfg: &CityConfig) -> Result<City, CityError> {
        let domains = build_domains(&cfg.domains)?;
        let (districts, district_by_id) = build_districts(&cfg.districts)?;
        let mut sensor_by_id =
            super::FastMap::with_capacity_and_hasher(cfg.sensors.len(), Default::default());
        let mut sensors = Vec::with_capacity(cfg.sensors.len());
        for (i, s) in cfg.sensors.iter().enumerate() {
            let sensor = build_sensor(i, s, cfg, &domains.by_name, &district_by_id)?;
            if sensor_by_id
                .insert(sensor.id.clone(), sensors.len())
                .is_some()
            {
                return Err(err(
                    format!("sensors[{i}].id"),
                    format!("{:?}", s.id),
                    "sensor ids must be unique",
                ));
            }
            sensors.push(sensor);
        }
        let zone = super::Zone::named(&cfg.timezone).map_err(|_| {
            err(
                "timezone".into(),
                format!("{:?}", cfg.timezone),
                "must be an IANA time zone name such as Asia/Ho_Chi_Minh or UTC",
            )
        })?;
        let mut city = City {
            name: cfg.name.clone(),
            zone,
            domains: domains.domains,
            metrics: domains.metrics,
            districts,
            sensors,
            domain_by_name: domains.by_name,
            district_by_id,
            sensor_by_id,
            known: KnownMetrics::default(),
        };
        city.known = KnownMetrics::resolve(&city);
        Ok(city)
    }
}

/// The domains, every metric of every domain (indexed city-wide), and domains by name.
struct Domains {
    domains: Vec<Domain>,
    metrics: Vec<Metric>,
    by_name: HashMap<String, DomainIdx>,
}

fn build_domains(cfg: &[DomainConfig]) -> Result<Domains, CityError> {
    if cfg.is_empty() || cfg.len() > 64 {
        return Err(err("domains".into(), cfg.len(), "1 to 64 domains"));
    }
    let mut out = Domains {
        domains: Vec::with_capacity(cfg.len()),
        metrics: Vec::new(),
        by_name: HashMap::new(),
    };
    for (i, d) in cfg.iter().enumerate() {
        let key = format!("domains[{i}].name");
        if !is_valid_id(&d.name) {
            return Err(err(key, format!("{:?}", d.name), ID_RULE));
        }
        if d.name == "events" {
            let why =
                "a name other than \"events\": {prefix}/events/… carries events, not readings";
            return Err(err(key, format!("{:?}", d.name), why));
        }
        let idx = DomainIdx(i as u16);
        if out.by_name.insert(d.name.clone(), idx).is_some() {
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
            let midx = add_metric(&key, m, idx, &mut out.metrics)?;
            if domain.metric_by_name.insert(m.name.clone(), midx).is_some() {
                return Err(err(
                    format!("{key}.name"),
                    format!("{:?}", m.name),
                    "metric names must be unique within a domain",
                ));
            }
            domain.metrics.push(midx);
        }
        out.domains.push(domain);
    }
    Ok(out)
}

/// Checks one metric's schema and appends it to the city-wide list.
fn add_metric(
    key: &str,
    m: &MetricConfig,
    domain: DomainIdx,
    metrics: &mut Vec<Metric>,
) -> Result<MetricIdx, CityError> {
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
        return Err(err(
            key.to_owned(),
            metrics.len(),
            "at most 65535 metrics in all",
        ));
    }
    let idx = MetricIdx(metrics.len() as u16);
    metrics.push(Metric {
        domain,
        name: m.name.clone(),
        unit: m.unit.clone(),
        min: m.min,
        max: m.max,
    });
    Ok(idx)
}

type Districts = (Vec<District>, HashMap<String, DistrictIdx>);

fn build_districts(cfg: &[DistrictConfig]) -> Result<Districts, CityError> {
    if cfg.is_empty() || cfg.len() > 10_000 {
        return Err(err("districts".into(), cfg.len(), "1 to 10000 districts"));
    }
    let mut by_id = HashMap::new();
    let mut districts = Vec::with_capacity(cfg.len());
    for (i, d) in cfg.iter().enumerate() {
        let key = format!("districts[{i}]");
        if !is_valid_id(&d.id) {
            return Err(err(format!("{key}.id"), format!("{:?}", d.id), ID_RULE));
        }
        if d.id == RESERVED_DISTRICT {
            // `indicators/{domain}/city` names the city-wide stream; a district of that id
            // would be unreachable there and shadow it in REST.
            return Err(err(
                format!("{key}.id"),
                format!("{:?}", d.id),
                "an id other than \"city\", which names the city-wide aggregates",
            ));
        }
        if by_id.insert(d.id.clone(), DistrictIdx(i as u16)).is_some() {
            return Err(err(
                format!("{key}.id"),
                format!("{:?}", d.id),
                "district ids must be unique",
            ));
        }
        check_polygon(&key, &d.polygon)?;
        districts.push(District {
            id: d.id.clone(),
            name: d.name.clone(),
            polygon: d.polygon.clone(),
        });
    }
    Ok((districts, by_id))
}

fn check_polygon(key: &str, polygon: &[[f64; 2]]) -> Result<(), CityError> {
    if polygon.len() < 3 {
        return Err(err(
            format!("{key}.polygon"),
            format!("{} points", polygon.len()),
            "at least 3 [lon, lat] points",
        ));
    }
    match polygon.iter().find(|[lon, lat]| !valid_lon_lat(*lon, *lat)) {
        Some([lon, lat]) => Err(err(
            format!("{key}.polygon"),
            format!("[{lon}, {lat}]"),
            "longitude -180..180 and latitude -90..90",
        )),
        None => match super::polygon::shape_problem(polygon) {
            Some(why) => Err(err(
                format!("{key}.polygon"),
                why,
                "at least 3 distinct [lon, lat] points whose edges do not cross",
            )),
            None => Ok(()),
        },
    }
}

fn build_sensor(
    i: usize,
    s: &SensorConfig,
    cfg: &CityConfig,
    domain_by_name: &HashMap<String, DomainIdx>,
    district_by_id: &HashMap<String, DistrictIdx>,
) -> Result<Sensor, CityError> {
    // The entry's name is only written into an error: a city of a million sensors would
    // otherwise format a million keys that nobody reads.
    let key = || format!("sensors[{i}]");
    if !is_valid_id(&s.id) {
        return Err(err(format!("{}.id", key()), format!("{:?}", s.id), ID_RULE));
    }
    let domain = *domain_by_name.get(&s.domain).ok_or_else(|| {
        err(
            format!("{}.domain", key()),
            format!("{:?}", s.domain),
            format!(
                "one of the domains: {}",
                names(cfg.domains.iter().map(|d| d.name.as_str()))
            ),
        )
    })?;
    let district = *district_by_id.get(&s.district).ok_or_else(|| {
        err(
            format!("{}.district", key()),
            format!("{:?}", s.district),
            "the id of a district in this city file",
        )
    })?;
    check_sensor_values(key, s)?;
    Ok(Sensor {
        id: Arc::from(s.id.as_str()),
        name: s.name.clone(),
        domain,
        district,
        lat: s.lat,
        lon: s.lon,
        interval_ms: i64::from(s.interval_s) * 1000,
        free_flow_kmh: s.free_flow_kmh,
        warning_levels_cm: s.warning_levels_cm,
        sla_target_s: s.sla_target_s,
    })
}

/// Position, reporting interval and the optional per-sensor parameters.
fn check_sensor_values(key: impl Fn() -> String, s: &SensorConfig) -> Result<(), CityError> {
    if !valid_lon_lat(s.lon, s.lat) {
        return Err(err(
            format!("{}.lat", key()),
            format!("{}, lon {}", s.lat, s.lon),
            "longitude -180..180 and latitude -90..90",
        ));
    }
    if s.interval_s == 0 || s.interval_s > 86_400 {
        return Err(err(
            format!("{}.interval_s", key()),
            s.interval_s,
            "1 to 86400 seconds",
        ));
    }
    if let Some(v) = s
        .free_flow_kmh
        .filter(|v| !(v.is_finite() && *v > 0.0 && *v <= 200.0))
    {
        return Err(err(
            format!("{}.free_flow_kmh", key()),
            v,
            "a speed above 0 and at most 200 km/h",
        ));
    }
    if let Some(l) = s
        .warning_levels_cm
        .filter(|l| !(l.iter().all(|v| v.is_finite()) && l[0] < l[1] && l[1] < l[2]))
    {
        return Err(err(
            format!("{}.warning_levels_cm", key()),
            format!("{l:?}"),
            "three rising levels I < II < III",
        ));
    }
    if let Some(v) = s.sla_target_s.filter(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(err(
            format!("{}.sla_target_s", key()),
            v,
            "a positive number of seconds",
        ));
    }
    Ok(())
}
