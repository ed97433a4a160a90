//! What an alert is about: one sensor, one district's aggregate, or the whole city.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The thing an alert is about. Its text form (`sensor:wl-0007`, `district:hai-chau`, `city`)
/// is the stored key and what the API shows; [`Subject::parse`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// One sensor, by its id (shared with the reading it came from: no copy per reading).
    Sensor(Arc<str>),
    /// A district aggregate (an indicator over the district's sensors), by district id.
    District(Arc<str>),
    /// A city-wide aggregate.
    City,
}

/// The kind of a [`Subject`], for rules that apply at one level only (`scope.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Sensor,
    District,
    City,
}

impl Subject {
    pub fn sensor(id: impl Into<Arc<str>>) -> Subject {
        Subject::Sensor(id.into())
    }

    pub fn district(id: impl Into<Arc<str>>) -> Subject {
        Subject::District(id.into())
    }

    pub fn level(&self) -> Level {
        match self {
            Subject::Sensor(_) => Level::Sensor,
            Subject::District(_) => Level::District,
            Subject::City => Level::City,
        }
    }

    /// Reads the text form written by `Display`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Subject> {
        if s == "city" {
            return Some(Subject::City);
        }
        let (kind, id) = s.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        match kind {
            "sensor" => Some(Subject::Sensor(id.into())),
            "district" => Some(Subject::District(id.into())),
            _ => None,
        }
    }
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "sensor" => Some(Level::Sensor),
            "district" => Some(Level::District),
            "city" => Some(Level::City),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Sensor(id) => write!(f, "sensor:{id}"),
            Subject::District(id) => write!(f, "district:{id}"),
            Subject::City => f.write_str("city"),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Subject, D::Error> {
        let text = String::deserialize(d)?;
        Subject::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "subject {text:?}: expected sensor:<id>, district:<id> or city"
            ))
        })
    }
}
