//! Each model's attributes from a sensor's newest values: names, units and conversions as
//! docs/ngsi-ld.md lists them.

use std::collections::BTreeMap;

use super::EntityType;
use crate::aggregate::LatestValue;
use crate::model::Sensor;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Number(f64),
    Integer(i64),
    Text(String),
    Time(i64),
    Point { lon: f64, lat: f64 },
}

/// One attribute; `observed` is the source time of a measured one, `unit` its UN/CEFACT code.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Attr {
    pub name: &'static str,
    pub value: Value,
    pub observed: Option<i64>,
    pub unit: Option<&'static str>,
}

/// A measured value: a metric's newest value divided by `scale` (percent to a fraction, cm
/// to m), with its time and unit.
struct Measure {
    metric: &'static str,
    attr: &'static str,
    scale: f64,
    unit: Option<&'static str>,
}

const fn m(
    metric: &'static str,
    attr: &'static str,
    scale: f64,
    unit: Option<&'static str>,
) -> Measure {
    Measure {
        metric,
        attr,
        scale,
        unit,
    }
}

const AIR: &[Measure] = &[
    m("pm25", "pm25", 1.0, Some("GQ")),
    m("pm10", "pm10", 1.0, Some("GQ")),
    m("no2", "no2", 1.0, Some("GQ")),
    m("o3", "o3", 1.0, Some("GQ")),
    m("so2", "so2", 1.0, Some("GQ")),
    m("co", "co", 1.0, Some("GQ")),
    m("temperature_c", "temperature", 1.0, Some("CEL")),
    m("humidity_pct", "relativeHumidity", 100.0, None),
];
const TRAFFIC: &[Measure] = &[
    m("vehicle_count", "intensity", 1.0, None),
    m("avg_speed_kmh", "averageVehicleSpeed", 1.0, Some("KMH")),
    m("occupancy_pct", "occupancy", 100.0, None),
];
const FLOOD: &[Measure] = &[
    m("water_level_cm", "currentLevel", 100.0, Some("MTR")),
    m("rainfall_mm", "precipitation", 1.0, Some("MMT")),
];
const QUEUE: &[Measure] = &[
    m("avg_wait_s", "averageWaitTime", 1.0, Some("SEC")),
    m("served_last_5m", "servedLast5Min", 1.0, None),
];

/// The metrics a type publishes, with their attribute names (the temporal representation).
pub fn measured(t: EntityType) -> impl Iterator<Item = (&'static str, &'static str, f64)> {
    let list: &[Measure] = match t {
        EntityType::AirQualityObserved => AIR,
        EntityType::TrafficFlowObserved => TRAFFIC,
        EntityType::FloodMonitoring => FLOOD,
        EntityType::QueueMonitor => QUEUE,
    };
    list.iter()
        .map(|m| (m.metric, m.attr, m.scale))
        .chain((t == EntityType::QueueMonitor).then_some(("waiting", "ticketsToServe", 1.0)))
}

/// The attributes of `sensor` as a `t`, from its newest values (`latest`, by metric name).
pub(super) fn of(
    t: EntityType,
    sensor: &Sensor,
    district_name: &str,
    latest: &BTreeMap<String, LatestValue>,
) -> Vec<Attr> {
    let newest = latest.values().map(|v| v.ts).max();
    let mut out = vec![
        plain("name", Value::Text(sensor.name.clone())),
        plain("areaServed", Value::Text(district_name.to_owned())),
        plain(
            "location",
            Value::Point {
                lon: sensor.lon,
                lat: sensor.lat,
            },
        ),
    ];
    let measures = match t {
        EntityType::AirQualityObserved => AIR,
        EntityType::TrafficFlowObserved => TRAFFIC,
        EntityType::FloodMonitoring => FLOOD,
        EntityType::QueueMonitor => QUEUE,
    };
    for m in measures {
        if let Some(v) = latest.get(m.metric) {
            out.push(Attr {
                name: m.attr,
                value: Value::Number(v.value / m.scale),
                observed: Some(v.ts),
                unit: m.unit,
            });
        }
    }
    match t {
        EntityType::TrafficFlowObserved => traffic(sensor, latest, &mut out),
        EntityType::FloodMonitoring => flood(sensor, latest, &mut out),
        EntityType::QueueMonitor => queue(sensor, latest, &mut out),
        EntityType::AirQualityObserved => {}
    }
    if let (Some(ts), false) = (newest, t == EntityType::FloodMonitoring) {
        out.push(plain("dateObserved", Value::Time(ts)));
    }
    out
}

fn plain(name: &'static str, value: Value) -> Attr {
    Attr {
        name,
        value,
        observed: None,
        unit: None,
    }
}

/// A count is of the vehicles in the sensor's interval up to its time.
fn traffic(sensor: &Sensor, latest: &BTreeMap<String, LatestValue>, out: &mut Vec<Attr>) {
    if let Some(v) = latest.get("vehicle_count") {
        out.push(plain(
            "dateObservedFrom",
            Value::Time(v.ts - sensor.interval_ms),
        ));
        out.push(plain("dateObservedTo", Value::Time(v.ts)));
    }
}

fn flood(sensor: &Sensor, latest: &BTreeMap<String, LatestValue>, out: &mut Vec<Attr>) {
    out.push(plain("stationID", Value::Text(sensor.id.to_string())));
    let Some(levels) = sensor.warning_levels_cm else {
        return;
    };
    out.push(plain("alertLevel", Value::Number(levels[0] / 100.0)));
    out.push(plain("dangerLevel", Value::Number(levels[2] / 100.0)));
    if let Some(v) = latest.get("water_level_cm") {
        let reached = levels.iter().filter(|l| v.value >= **l).count();
        let status = ["Normal", "LevelI", "LevelII", "LevelIII"][reached];
        out.push(plain("floodLevelStatus", Value::Text(status.into())));
        out.push(plain("observationDateTime", Value::Time(v.ts)));
    }
}

fn queue(sensor: &Sensor, latest: &BTreeMap<String, LatestValue>, out: &mut Vec<Attr>) {
    out.push(plain("officeName", Value::Text(sensor.name.clone())));
    if let Some(v) = latest.get("waiting") {
        out.push(Attr {
            name: "ticketsToServe",
            value: Value::Integer(v.value.round() as i64),
            observed: Some(v.ts),
            unit: None,
        });
    }
    if let Some(v) = latest.get("counters_open") {
        let status = if v.value > 0.0 { "Open" } else { "Closed" };
        out.push(plain("serviceStatus", Value::Text(status.into())));
        out.push(Attr {
            name: "countersOpen",
            value: Value::Integer(v.value.round() as i64),
            observed: Some(v.ts),
            unit: None,
        });
    }
}
