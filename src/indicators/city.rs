//! The indicators of the whole city, computed from the live state's sensor inputs: traffic,
//! environment, public service and sensor health, per sensor, district and city.

use std::collections::BTreeMap;

use serde::Serialize;

use super::air::{station, water_alert, StationAir, StationHours, WaterAlert};
use super::aqi::VnAqi;
use super::kpi::{Kpi, WorstAqi};
use super::partial::{Partial, SensorPart};
use super::queue::{self, CentreSample, Queue};
use super::traffic::{self, CongestionThresholds, RoadSample, Traffic};
use super::Health;
use crate::aggregate::{SensorInputs, SensorStatus};
use crate::model::{City, DistrictIdx, DomainIdx, KnownMetrics, MetricIdx, Sensor};

/// Settings the maths needs (from `[indicators]`).
#[derive(Debug, Clone, Copy)]
pub struct IndicatorParams {
    pub congestion: CongestionThresholds,
    pub default_free_flow_kmh: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Road {
    pub id: String,
    pub district: String,
    pub free_flow_kmh: f64,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub traffic: Traffic,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Station {
    pub id: String,
    pub district: String,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub air: StationAir,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Water {
    pub id: String,
    pub district: String,
    pub level_cm: f64,
    pub warning_levels_cm: Option<[f64; 3]>,
    pub alert: Option<WaterAlert>,
    pub rainfall_mm: Option<f64>,
    pub as_of: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Centre {
    pub id: String,
    pub district: String,
    pub as_of: Option<i64>,
    #[serde(flatten)]
    pub queue: Queue,
}

/// Environment pooled over an area: the worst station's VN_AQI, mean noise, worst water level.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AirArea {
    pub vn_aqi: Option<VnAqi>,
    pub vn_aqi_station: Option<String>,
    pub stations: usize,
    pub noise_db: Option<f64>,
    pub water_alert: Option<WaterAlert>,
    pub as_of: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Area<T> {
    pub city: T,
    pub districts: BTreeMap<String, T>,
}

/// The pooled indicators of every area (city-wide and per district), at one instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Areas {
    pub generated_at: i64,
    pub traffic: Area<Traffic>,
    pub environment: Area<AirArea>,
    pub public_service: Area<Queue>,
    /// Per domain: city-wide and per district.
    pub health: BTreeMap<String, Area<Health>>,
    /// `null`, or the districts left out (a partition whose summary is missing or stale).
    pub partial: Option<super::kpi::Incomplete>,
    /// Newest `as_of` of the roads pooled city-wide.
    #[serde(skip)]
    pub traffic_as_of: Option<i64>,
    /// Newest `as_of` of the centres pooled city-wide.
    #[serde(skip)]
    pub queue_as_of: Option<i64>,
}

/// Everything the control room watches, at one instant: the areas and every sensor's item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CityIndicators {
    #[serde(flatten)]
    pub areas: Areas,
    pub roads: Vec<Road>,
    pub stations: Vec<Station>,
    pub water: Vec<Water>,
    pub centres: Vec<Centre>,
}

fn recent(s: &SensorInputs, m: Option<MetricIdx>) -> Option<f64> {
    let m = m?;
    s.recent
        .iter()
        .find(|(x, _)| *x == m)
        .map(|(_, mean)| *mean)
}

fn latest(s: &SensorInputs, m: Option<MetricIdx>) -> Option<(f64, i64)> {
    let m = m?;
    s.latest
        .iter()
        .find(|(x, _, _)| *x == m)
        .map(|(_, v, t)| (*v, *t))
}

/// A sensor's `as_of`: its newest source time, capped at receive time by the live state.
fn newest(s: &SensorInputs) -> Option<i64> {
    s.as_of_ms
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

/// What one sensor adds to the indicators: its health always; its road, station, gauge,
/// centre and noise only while it reports (neither offline nor never seen).
pub fn sensor_part(city: &City, s: &SensorInputs, p: &IndicatorParams) -> SensorPart {
    let mut part = SensorPart::default();
    part.health.add(s);
    if matches!(s.status, SensorStatus::Offline | SensorStatus::NeverSeen) {
        return part;
    }
    let m = &city.known;
    let district = &city.district(s.district).id;
    // A registered sensor's dense index is its registry position: no lookup by id.
    let reg = city
        .sensors
        .get(s.idx as usize)
        .filter(|r| s.registered && r.id == s.id);
    part.road = road(s, m, reg, p, district).map(Box::new);
    part.station = air_station(s, m, district).map(std::sync::Arc::new);
    part.noise_db = recent(s, m.noise_db);
    part.water = water_gauge(s, m, reg, district).map(Box::new);
    part.centre = centre(s, m, district).map(Box::new);
    part
}

/// The indicators of every sensor, computed in full: the reference the incremental snapshot
/// is tested against.
#[cfg(test)]
pub fn compute(
    city: &City,
    sensors: &[SensorInputs],
    p: &IndicatorParams,
    now_ms: i64,
) -> CityIndicators {
    // Partials indexed `[district][domain]`.
    let mut cells = vec![vec![Partial::default(); city.domains.len()]; city.districts.len()];
    let parts: Vec<SensorPart> = sensors
        .iter()
        .map(|s| {
            let part = sensor_part(city, s, p);
            cells[usize::from(s.district.0)][usize::from(s.domain.0)].add(&part);
            part
        })
        .collect();
    let areas = areas(
        city,
        cells.iter().map(Vec::as_slice),
        |_, _| true,
        p,
        now_ms,
    );
    with_items(areas, parts.iter())
}

/// The areas' indicators from the cells `want` keeps: each district is the merge of its
/// wanted cells, the city the merge of the districts. Costs districts × domains merges.
pub fn areas<'a>(
    city: &City,
    cells: impl Iterator<Item = &'a [Partial]>,
    want: impl Fn(DomainIdx, DistrictIdx) -> bool,
    p: &IndicatorParams,
    now_ms: i64,
) -> Areas {
    let mut a = Areas {
        generated_at: now_ms,
        ..Areas::default()
    };
    let mut all = Partial::default();
    for (d, by_domain) in cells.enumerate() {
        let didx = DistrictIdx(d as u16);
        let id = &city.district(didx).id;
        let mut district = Partial::default();
        for (k, cell) in by_domain.iter().enumerate() {
            let dom = DomainIdx(k as u16);
            if !want(dom, didx) {
                continue;
            }
            district.merge(cell);
            if cell.health.total() > 0 {
                let h = a.health.entry(city.domain(dom).name.clone()).or_default();
                h.city.merge(&cell.health);
                h.districts.insert(id.clone(), cell.health);
            }
        }
        if district.traffic.roads > 0 {
            let t = district.traffic.finish(&p.congestion);
            a.traffic.districts.insert(id.clone(), t);
        }
        if district.air.items > 0 {
            a.environment
                .districts
                .insert(id.clone(), district.air.finish());
        }
        if district.queue.items > 0 {
            a.public_service
                .districts
                .insert(id.clone(), district.queue.finish());
        }
        all.merge(&district);
    }
    a.traffic.city = all.traffic.finish(&p.congestion);
    a.environment.city = all.air.finish();
    a.public_service.city = all.queue.finish();
    a.traffic_as_of = all.traffic.as_of;
    a.queue_as_of = all.queue.as_of;
    a
}

/// The areas with the items of `parts` listed.
pub fn with_items<'a>(areas: Areas, parts: impl Iterator<Item = &'a SensorPart>) -> CityIndicators {
    let mut ind = CityIndicators {
        areas,
        roads: Vec::new(),
        stations: Vec::new(),
        water: Vec::new(),
        centres: Vec::new(),
    };
    for part in parts {
        ind.roads.extend(part.road.as_deref().cloned());
        ind.stations.extend(part.station.as_deref().cloned());
        ind.water.extend(part.water.as_deref().cloned());
        ind.centres.extend(part.centre.as_deref().cloned());
    }
    ind
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
        as_of: s.as_of_ms.map_or(ts, |cap| ts.min(cap)),
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

/// The header summary. `open_alerts` comes from the alerts service.
pub fn kpi(city: &City, ind: &Areas, open_alerts: BTreeMap<String, u64>) -> Kpi {
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
            ind.traffic_as_of,
            ind.environment.city.as_of,
            ind.queue_as_of,
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
        partial: ind.partial.clone(),
        open_alerts,
    }
}
