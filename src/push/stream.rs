//! Stream names and patterns: what a client may subscribe to. Pure: resolving a pattern
//! against the city is a function of a [`Catalog`], never of the live state's lock.

use std::fmt;
use std::sync::Arc;

use super::protocol::ProtocolError;

/// The closed set of stream kinds (the `kind` label of the push metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamKind {
    Indicators,
    Kpi,
    Alerts,
    SensorStatus,
    Sensor,
    /// `incidents`: the open incidents and each change.
    Incidents,
    /// `events`: the recent events and each new one.
    Events,
}

impl StreamKind {
    pub const ALL: [StreamKind; 7] = [
        StreamKind::Indicators,
        StreamKind::Kpi,
        StreamKind::Alerts,
        StreamKind::SensorStatus,
        StreamKind::Sensor,
        StreamKind::Incidents,
        StreamKind::Events,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Indicators => "indicators",
            StreamKind::Kpi => "kpi",
            StreamKind::Alerts => "alerts",
            StreamKind::SensorStatus => "sensor_status",
            StreamKind::Sensor => "sensor",
            StreamKind::Incidents => "incidents",
            StreamKind::Events => "events",
        }
    }
}

/// The `kind` metric label of a concrete stream name.
pub fn kind_label(name: &str) -> &'static str {
    match name.split('/').next() {
        Some("indicators") => StreamKind::Indicators.as_str(),
        Some("sensor") => StreamKind::Sensor.as_str(),
        Some("kpi") => StreamKind::Kpi.as_str(),
        Some("alerts") => StreamKind::Alerts.as_str(),
        Some("incidents") => StreamKind::Incidents.as_str(),
        Some("events") => StreamKind::Events.as_str(),
        _ => StreamKind::SensorStatus.as_str(),
    }
}

/// One concrete stream, e.g. `indicators/traffic/hai-chau`. Equality and hashing are by the
/// canonical name, which is also the map key in the hub and the `stream` field of messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamName {
    pub name: Arc<str>,
    pub kind: StreamKind,
}

impl StreamName {
    pub fn kpi() -> Self {
        Self::of(StreamKind::Kpi, "kpi".into())
    }
    pub fn alerts() -> Self {
        Self::of(StreamKind::Alerts, "alerts".into())
    }
    pub fn incidents() -> Self {
        Self::of(StreamKind::Incidents, "incidents".into())
    }
    pub fn events() -> Self {
        Self::of(StreamKind::Events, "events".into())
    }
    pub fn sensor_status() -> Self {
        Self::of(StreamKind::SensorStatus, "sensor-status".into())
    }
    /// The status of the sensors of one district: `sensor-status/{district}`.
    pub fn sensor_status_in(district: &str) -> Self {
        Self::of(
            StreamKind::SensorStatus,
            format!("sensor-status/{district}"),
        )
    }
    /// `area` is a district id or [`CITY`].
    pub fn indicators(domain: &str, area: &str) -> Self {
        Self::of(
            StreamKind::Indicators,
            format!("indicators/{domain}/{area}"),
        )
    }
    pub fn sensor(id: &str) -> Self {
        Self::of(StreamKind::Sensor, format!("sensor/{id}"))
    }
    fn of(kind: StreamKind, name: String) -> Self {
        StreamName {
            name: name.into(),
            kind,
        }
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The area segment of the city-wide indicator stream of a domain.
pub const CITY: &str = "city";

/// What the resolver needs to know about the city. Implemented over the city registry and the
/// live state by the connection; a plain struct in tests.
pub trait Catalog {
    fn domains(&self) -> Vec<String>;
    fn districts(&self) -> Vec<String>;
    /// Registered, or seen on MQTT.
    fn has_sensor(&self, id: &str) -> bool;
    /// True when the caller sees every district: the `city` area of a domain's indicators.
    fn city_wide(&self) -> bool {
        true
    }
    /// True when the caller sees everything: `kpi`, `alerts` and `sensor-status` span every
    /// domain and district.
    fn whole_city(&self) -> bool {
        true
    }
    /// True when the caller sees every domain: a district's `sensor-status/{district}` spans
    /// every domain of that district.
    fn all_domains(&self) -> bool {
        true
    }
}

/// A segment of an indicator pattern: a name or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg<'a> {
    Any,
    Is(&'a str),
}

fn seg(s: &str) -> Seg<'_> {
    if s == "*" {
        Seg::Any
    } else {
        Seg::Is(s)
    }
}

/// Why a scoped key may not have a stream (the end of the `forbidden` frame's message).
const WHOLE_CITY: &str = "covers the whole city; this key is scoped to part of it";
const EVERY_DOMAIN: &str = "holds the sensors of every domain; this key is limited to some \
     domains (subscribe to sensor/{id} or indicators/{domain}/{district} instead)";

fn forbidden(stream: &str, why: &'static str) -> ProtocolError {
    ProtocolError::Forbidden {
        stream: crate::model::truncate(stream, 64),
        why,
    }
}

/// Longest stream name or pattern accepted.
pub const MAX_NAME_LEN: usize = 128;

/// Resolves one name or pattern into the concrete streams it names, in a stable order.
/// `indicators/{domain|*}/{district|city|*}`; `indicators/{domain}` and `indicators/*` mean
/// every area; `kpi`, `alerts`, `sensor-status`, `sensor-status/{district|*}`, `sensor/{id}`
/// (no wildcard: ids are many).
pub fn resolve(spec: &str, catalog: &dyn Catalog) -> Result<Vec<StreamName>, ProtocolError> {
    let invalid = |why: &str| ProtocolError::InvalidStream {
        stream: crate::model::truncate(spec, 64),
        why: why.to_owned(),
    };
    if spec.len() > MAX_NAME_LEN {
        return Err(invalid("longer than 128 bytes"));
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let whole = matches!(
        parts.as_slice(),
        ["kpi"] | ["alerts"] | ["sensor-status"] | ["incidents"] | ["events"]
    );
    if whole && !catalog.whole_city() {
        return Err(forbidden(spec, WHOLE_CITY));
    }
    match parts.as_slice() {
        ["kpi"] => Ok(vec![StreamName::kpi()]),
        ["alerts"] => Ok(vec![StreamName::alerts()]),
        ["incidents"] => Ok(vec![StreamName::incidents()]),
        ["events"] => Ok(vec![StreamName::events()]),
        ["sensor-status"] => Ok(vec![StreamName::sensor_status()]),
        ["sensor-status", district] => sensor_status_in(spec, seg(district), catalog),
        ["sensor", id] => {
            if *id == "*" {
                return Err(invalid("sensor streams take one sensor id, not a pattern"));
            }
            if !valid_sensor_id(id) {
                return Err(invalid("a sensor id is 1-64 of A-Z a-z 0-9 - _ ."));
            }
            if !catalog.has_sensor(id) {
                return Err(ProtocolError::UnknownSensor((*id).to_owned()));
            }
            Ok(vec![StreamName::sensor(id)])
        }
        ["indicators"] => indicators(Seg::Any, Seg::Any, catalog),
        ["indicators", d] => indicators(seg(d), Seg::Any, catalog),
        ["indicators", d, a] => indicators(seg(d), seg(a), catalog),
        _ => Err(invalid(
            "expected kpi, alerts, incidents, events, sensor-status, sensor-status/{district|*}, \
             sensor/{id} or indicators/{domain|*}/{district|city|*}",
        )),
    }
}

fn indicators(
    domain: Seg<'_>,
    area: Seg<'_>,
    catalog: &dyn Catalog,
) -> Result<Vec<StreamName>, ProtocolError> {
    let domains = catalog.domains();
    let chosen: Vec<&String> = match domain {
        Seg::Any => domains.iter().collect(),
        Seg::Is(d) => match domains.iter().find(|x| x.as_str() == d) {
            Some(x) => vec![x],
            None => {
                return Err(ProtocolError::UnknownDomain {
                    domain: crate::model::truncate(d, 64),
                    known: domains.join(", "),
                })
            }
        },
    };
    let mut areas = Vec::new();
    if catalog.city_wide() {
        areas.push(CITY.to_owned());
    }
    areas.extend(catalog.districts());
    let areas: Vec<String> = match area {
        Seg::Any => areas,
        Seg::Is(CITY) if !catalog.city_wide() => {
            return Err(forbidden(&format!("indicators/*/{CITY}"), WHOLE_CITY))
        }
        Seg::Is(a) if areas.iter().any(|x| x == a) => vec![a.to_owned()],
        Seg::Is(a) => {
            return Err(ProtocolError::UnknownDistrict(crate::model::truncate(
                a, 64,
            )));
        }
    };
    Ok(chosen
        .iter()
        .flat_map(|d| areas.iter().map(move |a| StreamName::indicators(d, a)))
        .collect())
}

/// `sensor-status/{district|*}`: within a district scope, but only for a caller that sees every
/// domain, since the stream holds the district's sensors of all domains.
fn sensor_status_in(
    spec: &str,
    district: Seg<'_>,
    catalog: &dyn Catalog,
) -> Result<Vec<StreamName>, ProtocolError> {
    if !catalog.all_domains() {
        return Err(forbidden(spec, EVERY_DOMAIN));
    }
    let districts = catalog.districts();
    match district {
        Seg::Any => Ok(districts
            .iter()
            .map(|d| StreamName::sensor_status_in(d))
            .collect()),
        Seg::Is(d) if districts.iter().any(|x| x == d) => Ok(vec![StreamName::sensor_status_in(d)]),
        Seg::Is(d) => Err(ProtocolError::UnknownDistrict(crate::model::truncate(
            d, 64,
        ))),
    }
}

fn valid_sensor_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
