//! Open data for the province's platform: the city's sensors as NGSI-LD entities of the
//! Smart Data Models catalogue. Pure: the HTTP shell (`serve/routes/ngsi.rs`) reads the live
//! state and the history and hands them here.
//!
//! | Sensors | Entity type | Subject |
//! |---|---|---|
//! | traffic | `TrafficFlowObserved` | dataModel.Transportation |
//! | environment, air stations | `AirQualityObserved` | dataModel.Environment |
//! | environment, water-level gauges (with warning levels) | `FloodMonitoring` | dataModel.Environment |
//! | public_service | `QueueMonitor` | dataModel.QueueManagement |
//!
//! An entity id is `urn:ngsi-ld:{Type}:{city}:{sensor_id}`, `{city}` the city's name folded
//! to ASCII (`Đà Nẵng (demo)` → `da-nang-demo`). The attribute mapping and the reasons for
//! each choice are in docs/ngsi-ld.md.

mod attrs;
mod entity;
mod query;
mod temporal;

pub use attrs::measured;
pub use entity::{entity, Form};
pub use query::{Query, QueryError};
pub use temporal::temporal;

use crate::model::{City, Sensor};

/// The NGSI-LD core context, last in every `@context`.
pub const CORE_CONTEXT: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    AirQualityObserved,
    TrafficFlowObserved,
    FloodMonitoring,
    QueueMonitor,
}

impl EntityType {
    pub const ALL: [EntityType; 4] = [
        EntityType::AirQualityObserved,
        EntityType::TrafficFlowObserved,
        EntityType::FloodMonitoring,
        EntityType::QueueMonitor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityType::AirQualityObserved => "AirQualityObserved",
            EntityType::TrafficFlowObserved => "TrafficFlowObserved",
            EntityType::FloodMonitoring => "FloodMonitoring",
            EntityType::QueueMonitor => "QueueMonitor",
        }
    }

    pub fn parse(name: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The Smart Data Models context of the type's subject.
    pub fn context(self) -> &'static str {
        match self {
            EntityType::AirQualityObserved | EntityType::FloodMonitoring => {
                "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
            }
            EntityType::TrafficFlowObserved => {
                "https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld"
            }
            EntityType::QueueMonitor => {
                "https://raw.githubusercontent.com/smart-data-models/dataModel.QueueManagement/master/context.jsonld"
            }
        }
    }

    /// The type a registered sensor is published as, by its domain; `None` for a domain with
    /// no model here.
    pub fn of(city: &City, sensor: &Sensor) -> Option<EntityType> {
        match city.domain(sensor.domain).name.as_str() {
            "traffic" => Some(EntityType::TrafficFlowObserved),
            "environment" if sensor.warning_levels_cm.is_some() => {
                Some(EntityType::FloodMonitoring)
            }
            "environment" => Some(EntityType::AirQualityObserved),
            "public_service" => Some(EntityType::QueueMonitor),
            _ => None,
        }
    }
}

/// `urn:ngsi-ld:{Type}:{city}:{sensor_id}`.
pub fn entity_id(t: EntityType, city: &str, sensor: &str) -> String {
    format!("urn:ngsi-ld:{}:{city}:{sensor}", t.name())
}

/// The type and sensor id an entity id of `city` names; `None` for any other id.
pub fn parse_id<'a>(id: &'a str, city: &str) -> Option<(EntityType, &'a str)> {
    let rest = id.strip_prefix("urn:ngsi-ld:")?;
    let (t, rest) = rest.split_once(':')?;
    let sensor = rest.strip_prefix(city)?.strip_prefix(':')?;
    Some((EntityType::parse(t)?, sensor))
}

/// The city's name folded to a lowercase ASCII slug: Vietnamese letters lose their marks,
/// runs of anything else become one `-`.
pub fn city_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match fold(c) {
            Some(a) => out.push(a),
            None if !out.ends_with('-') && !out.is_empty() => out.push('-'),
            None => {}
        }
    }
    let slug = out.trim_end_matches('-');
    if slug.is_empty() {
        "city".to_owned()
    } else {
        slug.to_owned()
    }
}

fn fold(c: char) -> Option<char> {
    const GROUPS: [(&str, char); 6] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ìíỉĩị", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ỳýỷỹỵ", 'y'),
    ];
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    if c == 'đ' {
        return Some('d');
    }
    GROUPS
        .iter()
        .find(|(group, _)| group.contains(c))
        .map(|(_, a)| *a)
}

#[cfg(test)]
mod tests;
