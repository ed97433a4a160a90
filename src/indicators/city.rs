//! The indicators of the whole city, computed from the live state's sensor inputs: traffic,
//! environment, public service and sensor health, per sensor, district and city.

use std::collections::BTreeMap;

use serde::Serialize;

use super::air::{station, water_alert, StationAir, StationHours, WaterAlert};
use super::aqi::VnAqi;
use super::kpi::{Kpi, WorstAqi};
use super::queue::{self, CentreSample, Queue};
use super::traffic::{self, CongestionThresholds, RoadSample, Traffic};
use super::Health;
use crate::aggregate::{SensorInputs, SensorStatus};
use crate::model::{City, KnownMetrics, MetricIdx, Sensor};

/// Settings the maths needs (from `[indicators]`).
#[derive(Debug, Clone, Copy)]
pub struct IndicatorParams {
    pub congestion: CongestionThresholds,
    pub default_free_flow_kmh: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Road {
    pub id: String,
    pub district: String,
    pub free_flow_kmh: f64,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub traffic: Traffic,
}

#[derive(Debug, Clone, Serialize)]
pub struct Station {
    pub id: String,
    pub district: String,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub air: StationAir,
}

#[derive(Debug, Clone, Serialize)]
pub struct Water {
    pub id: String,
    pub district: String,
    pub level_cm: f64,
    pub warning_levels_cm: Option<[f64; 3]>,
    pub alert: Option<WaterAlert>,
    pub rainfall_mm: Option<f64>,
    pub as_of: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Centre {
    pub id: String,
    pub district: String,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub queue: Queue,
}

/// Environment pooled over an area: the worst station's VN_AQI, mean noise, worst water level.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AirArea {
    pub vn_aqi: Option<VnAqi>,
    pub vn_aqi_station: Option<String>,
    pub stations: usize,
    pub noise_db: Option<f64>,
    pub water_alert: Option<WaterAlert>,
    pub as_of: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Area<T> {
    pub city: T,
    pub districts: BTreeMap<String, T>,
}

/// Everything the control room watches, at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct CityIndicators {
    pub generated_at: i64,
    pub traffic: Area<Traffic>,
    pub roads: Vec<Road>,
    pub environment: Area<AirArea>,
    pub stations: Vec<Station>,
    pub water: Vec<Water>,
    pub public_service: Area<Queue>,
    pub centres: Vec<Centre>,
    /// Per domain: city-wide and per district.
    pub health: BTreeMap<String, Area<Health>>,
}

fn recent(s: &SensorInputs, m: Option<MetricIdx>) -> Option<f64> {
    let m = m?;
    s.recent.iter().find(|(x, _)| *x == m).map(|(_, w)| w.mean)
}

fn latest(s: &SensorInputs, m: Option<MetricIdx>) -> Option<(f64, i64)> {
    let m = m?;
    s.latest
        .iter()
        .find(|(x, _, _)| *x == m)
        .map(|(_, v, t)| (*v, *t))
}

fn newest(s: &SensorInputs) -> Option<i64> {
    s.latest.iter().map(|(_, _, t)| *t).max()
}

fn hours(s: &SensorInputs, m: Option<MetricIdx>) -> Vec<Option<f64>> {
    m.and_then(|m| {
        s.hourly
            .iter()
            .find(|(x, _)| *x == m)
            .map(|(_, h)| h.clone())
    })
    .unwrap_or_default()
}

pub fn compute(
    city: &City,
    sensors: &[SensorInputs],
    p: &IndicatorParams,
    now_ms: i64,
) -> CityIndicators {
    let m = &city.known;
    let (mut roads, mut stations, mut water, mut centres) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut health: BTreeMap<String, Area<Health>> = BTreeMap::new();
    let mut noise: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for s in sensors {
        let district = city.district(s.district).id.clone();
        let h = health
            .entry(city.domain(s.domain).name.clone())
            .or_default();
        h.city.add(s);
        h.districts.entry(district.clone()).or_default().add(s);
        let fresh = s.status != SensorStatus::Offline && s.status != SensorStatus::NeverSeen;
        if !fresh {
            continue;
        }
        let reg = city.sensor(&s.id).filter(|_| s.registered);
        roads.extend(road(s, m, reg, p, &district));
        stations.extend(air_station(s, m, &district));
        if let Some(n) = recent(s, m.noise_db) {
            let e = noise.entry(district.clone()).or_default();
            e.0 += n;
            e.1 += 1;
        }
        water.extend(water_gauge(s, m, reg, &district));
        centres.extend(centre(s, m, &district));
    }
    CityIndicators {
        generated_at: now_ms,
        traffic: area(
            &roads,
            |r| &r.district,
            |rs| traffic::pool(rs.iter().map(|r| &r.traffic), &p.congestion),
        ),
        environment: air_area(&stations, &water, &noise),
        public_service: area(
            &centres,
            |c| &c.district,
            |cs| queue::pool(cs.iter().map(|c| &c.queue)),
        ),
        roads,
        stations,
        water,
        centres,
        health,
    }
}

/// A road segment, when the sensor reports speed or counts.
fn road(
    s: &SensorInputs,
    m: &KnownMetrics,
    reg: Option<&Sensor>,
    p: &IndicatorParams,
    district: &str,
) -> Option<Road> {
    recent(s, m.avg_speed_kmh).or(recent(s, m.vehicle_count))?;
    let free_flow_kmh = reg
        .and_then(|r| r.free_flow_kmh)
        .unwrap_or(p.default_free_flow_kmh);
    let sample = RoadSample {
        count_per_report: recent(s, m.vehicle_count),
        reports_per_hour: 3_600_000.0 / s.expected_interval_ms.max(1) as f64,
        speed_kmh: recent(s, m.avg_speed_kmh),
        occupancy_pct: recent(s, m.occupancy_pct),
        free_flow_kmh,
    };
    Some(Road {
        id: s.id.to_string(),
        district: district.to_owned(),
        free_flow_kmh,
        as_of: newest(s),
        traffic: traffic::road(&sample, &p.congestion),
    })
}

/// An air-quality station, when the sensor has PM2.5 or PM10 hours.
fn air_station(s: &SensorInputs, m: &KnownMetrics, district: &str) -> Option<Station> {
    let [pm25, pm10, o3, no2, so2, co] = m.pollutants.map(|p| hours(s, p));
    let hs = StationHours {
        pm25,
        pm10,
        o3,
        no2,
        so2,
        co,
    };
    if hs.pm25.is_empty() && hs.pm10.is_empty() {
        return None;
    }
    Some(Station {
        id: s.id.to_string(),
        district: district.to_owned(),
        as_of: newest(s),
        air: station(&hs),
    })
}

/// A water-level gauge, with its alert level when the city file gives warning levels.
fn water_gauge(
    s: &SensorInputs,
    m: &KnownMetrics,
    reg: Option<&Sensor>,
    district: &str,
) -> Option<Water> {
    let (level_cm, ts) = latest(s, m.water_level_cm)?;
    let levels = reg.and_then(|r| r.warning_levels_cm);
    Some(Water {
        id: s.id.to_string(),
        district: district.to_owned(),
        level_cm,
        warning_levels_cm: levels,
        alert: levels.map(|l| water_alert(level_cm, l)),
        rainfall_mm: latest(s, m.rainfall_mm).map(|(v, _)| v),
        as_of: ts,
    })
}

/// A service centre's queue, when the sensor reports waiting people or times.
fn centre(s: &SensorInputs, m: &KnownMetrics, district: &str) -> Option<Centre> {
    latest(s, m.waiting).or(latest(s, m.avg_wait_s))?;
    let sample = CentreSample {
        waiting: latest(s, m.waiting).map(|v| v.0),
        avg_wait_s: latest(s, m.avg_wait_s).map(|v| v.0),
        served_last_5m: latest(s, m.served_last_5m).map(|v| v.0),
        counters_open: latest(s, m.counters_open).map(|v| v.0),
        served_last_hour: s.sla_served,
        served_within_target: s.sla_within,
    };
    Some(Centre {
        id: s.id.to_string(),
        district: district.to_owned(),
        as_of: newest(s),
        queue: queue::centre(&sample),
    })
}

/// Pools items per district and city-wide with `pool`.
fn area<I, T: Default>(
    items: &[I],
    district: impl Fn(&I) -> &String,
    pool: impl Fn(&[&I]) -> T,
) -> Area<T> {
    let mut by: BTreeMap<String, Vec<&I>> = BTreeMap::new();
    for i in items {
        by.entry(district(i).clone()).or_default().push(i);
    }
    let all: Vec<&I> = items.iter().collect();
    Area {
        city: pool(&all),
        districts: by.into_iter().map(|(d, is)| (d, pool(&is))).collect(),
    }
}

fn air_area(
    stations: &[Station],
    water: &[Water],
    noise: &BTreeMap<String, (f64, usize)>,
) -> Area<AirArea> {
    let pool = |ss: &[&Station], ws: &[&Water], n: Option<(f64, usize)>| {
        let worst = ss
            .iter()
            .filter_map(|s| s.air.vn_aqi_hourly.value().map(|v| (v, &s.id)))
            .max_by_key(|(v, _)| v.aqi);
        AirArea {
            vn_aqi: worst.map(|(v, _)| v.clone()),
            vn_aqi_station: worst.map(|(_, id)| id.clone()),
            stations: ss.len(),
            noise_db: n.filter(|(_, k)| *k > 0).map(|(sum, k)| sum / k as f64),
            water_alert: ws.iter().filter_map(|w| w.alert).max_by_key(|a| *a as u8),
            as_of: ss
                .iter()
                .filter_map(|s| s.as_of)
                .chain(ws.iter().map(|w| w.as_of))
                .max(),
        }
    };
    let mut districts: BTreeMap<String, AirArea> = BTreeMap::new();
    let keys: std::collections::BTreeSet<&String> = stations
        .iter()
        .map(|s| &s.district)
        .chain(water.iter().map(|w| &w.district))
        .chain(noise.keys())
        .collect();
    for d in keys {
        let ss: Vec<&Station> = stations.iter().filter(|s| &s.district == d).collect();
        let ws: Vec<&Water> = water.iter().filter(|w| &w.district == d).collect();
        districts.insert(d.clone(), pool(&ss, &ws, noise.get(d).copied()));
    }
    let all_noise = noise
        .values()
        .fold((0.0, 0), |a, (s, k)| (a.0 + s, a.1 + k));
    let city = pool(
        &stations.iter().collect::<Vec<_>>(),
        &water.iter().collect::<Vec<_>>(),
        Some(all_noise),
    );
    Area { city, districts }
}

/// The header summary. `open_alerts` comes from the alerts service.
pub fn kpi(city: &City, ind: &CityIndicators, open_alerts: BTreeMap<String, u64>) -> Kpi {
    let worst = ind
        .environment
        .districts
        .iter()
        .filter_map(|(d, a)| a.vn_aqi.as_ref().map(|v| (d, a, v)))
        .max_by_key(|(_, _, v)| v.aqi);
    let sensors = ind.health.values().fold(Health::default(), |mut acc, a| {
        acc.merge(&a.city);
        acc
    });
    let t = &ind.traffic.city;
    Kpi {
        generated_at: ind.generated_at,
        as_of: [
            ind.traffic.city_as_of(&ind.roads),
            ind.environment.city.as_of,
            ind.centres.iter().filter_map(|c| c.as_of).max(),
        ]
        .into_iter()
        .flatten()
        .max(),
        worst_aqi_district: worst.map(|(d, a, v)| WorstAqi {
            district: d.clone(),
            name: city
                .district_idx(d)
                .map(|i| city.district(i).name.clone())
                .unwrap_or_default(),
            aqi: v.aqi,
            category: v.category,
            label_vi: v.label_vi,
            label_en: v.label_en,
            color: v.color,
            dominant: v.dominant,
            station: a.vn_aqi_station.clone().unwrap_or_default(),
        }),
        congested_share: (t.sensors > 0).then(|| t.congested_sensors as f64 / t.sensors as f64),
        queue_sla: ind.public_service.city.sla,
        sensors_online: (sensors.total() > 0)
            .then(|| sensors.online as f64 / sensors.total() as f64),
        sensors,
        open_alerts,
    }
}

impl Area<Traffic> {
    fn city_as_of(&self, roads: &[Road]) -> Option<i64> {
        roads.iter().filter_map(|r| r.as_of).max()
    }
}
