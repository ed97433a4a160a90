//! A point event: a citizen's field report or a camera's detection, as stored and served.

use serde::{Deserialize, Serialize};

/// Where an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A citizen's field report (phản ánh hiện trường).
    CitizenReport,
    /// A camera-AI detection: flooding, an accident, illegal parking, a crowd.
    Camera,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CitizenReport => "citizen_report",
            Kind::Camera => "camera",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::CitizenReport, Kind::Camera]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The reporter's contact: shown to operators and admins only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
}

/// One validated event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The sender's id: a repeated id is the same event, stored once.
    pub id: String,
    pub kind: Kind,
    pub district: String,
    pub lat: f64,
    pub lon: f64,
    /// When it happened (the sender's `ts`, else when it arrived).
    pub ts_ms: i64,
    pub received_ms: i64,
    /// The MQTT topic's source level, or `http`.
    pub source: String,
    /// A citizen report's category (`flooding`, `pothole`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// A detection's camera id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// A detection's class (`flooding`, `accident`, `illegal_parking`, `crowd`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// A detection's confidence, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_url: Option<String>,
    /// The incident it belongs to, once one is opened or it is linked to one.
    #[serde(default)]
    pub incident: Option<i64>,
}

impl Event {
    /// The category or class: what rules and procedures match on.
    pub fn what(&self) -> &str {
        self.class
            .as_deref()
            .or(self.category.as_deref())
            .unwrap_or_default()
    }

    /// The event as a caller who may not see the reporter's contact gets it.
    pub fn without_contact(mut self) -> Event {
        self.contact = None;
        self
    }
}

/// Which events a listing returns, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub kind: Option<Kind>,
    pub district: Option<String>,
    /// When not empty, only events of these districts (a caller's scope).
    pub within_districts: Vec<String>,
    /// Events that happened at or after this time.
    pub since_ms: Option<i64>,
    /// Only events of this category or class.
    pub what: Option<String>,
    pub min_confidence: Option<f64>,
    /// Only events received before this one (by receive order): the next page.
    pub before_seq: Option<i64>,
    pub limit: u32,
}
