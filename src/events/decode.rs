//! Validating an event: from a JSON body (HTTP) or payload (MQTT) to an [`Event`], or the
//! reason it is refused. Pure, and it never panics on any input.

use serde_json::{Map, Value};

use super::event::{Contact, Event, Kind};
use crate::model::{
    forbidden_char, is_valid_id, parse_rfc3339_ms, truncate, City, MIN_VALID_TS_MS,
};

/// Largest event accepted, in bytes.
pub const MAX_EVENT_BYTES: usize = 16 * 1024;

/// How far in the future an event's `ts` may be (clock skew).
const FUTURE_SKEW_MS: i64 = 300_000;

const FIELDS: &[&str] = &[
    "id",
    "kind",
    "district",
    "lat",
    "lon",
    "ts",
    "category",
    "description",
    "photo_url",
    "contact",
    "camera",
    "class",
    "confidence",
    "snapshot_url",
];

/// Why an event is refused; `code()` is the stable code the API and the rejection log show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event is not a JSON object: {0}")]
    InvalidJson(String),
    #[error("event of {0} bytes; at most {MAX_EVENT_BYTES}")]
    TooLarge(usize),
    #[error("event has no `{0}`")]
    Missing(&'static str),
    #[error("`{field}`: {why}")]
    Invalid { field: String, why: String },
    #[error("unknown district {0:?}")]
    UnknownDistrict(String),
    #[error("the body says district {body:?} but the topic says {topic:?}")]
    DistrictMismatch { body: String, topic: String },
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            EventError::InvalidJson(_) => "invalid_json",
            EventError::TooLarge(_) => "payload_too_large",
            EventError::Missing(_) => "missing_field",
            EventError::Invalid { .. } => "invalid_field",
            EventError::UnknownDistrict(_) => "unknown_district",
            EventError::DistrictMismatch { .. } => "district_mismatch",
        }
    }
}

fn invalid(field: &str, why: impl Into<String>) -> EventError {
    EventError::Invalid {
        field: field.to_owned(),
        why: why.into(),
    }
}

/// Where an event came from: the topic's district (MQTT), the source, the receive time.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    pub topic_district: Option<&'a str>,
    pub source: &'a str,
    pub received_ms: i64,
}

/// Validates one event against the city.
pub fn decode(bytes: &[u8], at: Arrival<'_>, city: &City) -> Result<Event, EventError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge(bytes.len()));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| EventError::InvalidJson(e.to_string()))?;
    let Value::Object(o) = value else {
        return Err(EventError::InvalidJson("expected an object".into()));
    };
    from_object(&o, at, city)
}

fn from_object(o: &Map<String, Value>, at: Arrival<'_>, city: &City) -> Result<Event, EventError> {
    if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            &truncate(k, 40),
            format!("unknown field; known: {}", FIELDS.join(", ")),
        ));
    }
    let id = text(o, "id", 128)?.ok_or(EventError::Missing("id"))?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(invalid("id", "1 to 128 of A-Z a-z 0-9 - _ . :"));
    }
    let kind_text = text(o, "kind", 32)?.ok_or(EventError::Missing("kind"))?;
    let kind = Kind::parse(&kind_text).ok_or_else(|| {
        invalid(
            "kind",
            format!("{kind_text:?} is not citizen_report or camera"),
        )
    })?;
    let district = district(o, at.topic_district, city)?;
    let (lat, lon) = (coordinate(o, "lat", 90.0)?, coordinate(o, "lon", 180.0)?);
    let ts_ms = match o.get("ts") {
        None | Some(Value::Null) => at.received_ms,
        Some(v) => timestamp(v, at.received_ms)?,
    };
    let mut event = Event {
        id,
        kind,
        district,
        lat,
        lon,
        ts_ms,
        received_ms: at.received_ms,
        source: at.source.to_owned(),
        category: None,
        description: text(o, "description", 2000)?.unwrap_or_default(),
        photo_url: None,
        contact: None,
        camera: None,
        class: None,
        confidence: None,
        snapshot_url: None,
        incident: None,
    };
    match kind {
        Kind::CitizenReport => citizen(o, &mut event)?,
        Kind::Camera => camera(o, &mut event, at.source)?,
    }
    Ok(event)
}

fn citizen(o: &Map<String, Value>, e: &mut Event) -> Result<(), EventError> {
    e.category = Some(name(o, "category")?.ok_or(EventError::Missing("category"))?);
    e.photo_url = url(o, "photo_url")?;
    e.contact = match o.get("contact") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => Some(contact(c)?),
        Some(_) => {
            return Err(invalid(
                "contact",
                "an object with name, phone and/or email",
            ))
        }
    };
    for field in ["camera", "class", "confidence", "snapshot_url"] {
        if o.contains_key(field) {
            return Err(invalid(
                field,
                "belongs to camera events, not citizen reports",
            ));
        }
    }
    Ok(())
}

fn camera(o: &Map<String, Value>, e: &mut Event, source: &str) -> Result<(), EventError> {
    let camera = match text(o, "camera", 64)? {
        Some(c) => c,
        None if is_valid_id(source) && source != "http" => source.to_owned(),
        None => return Err(EventError::Missing("camera")),
    };
    if !is_valid_id(&camera) {
        return Err(invalid("camera", "1 to 64 of a-z 0-9 - _ ."));
    }
    e.camera = Some(camera);
    e.class = Some(name(o, "class")?.ok_or(EventError::Missing("class"))?);
    let confidence = match o.get("confidence") {
        Some(Value::Number(n)) => n.as_f64().filter(|c| (0.0..=1.0).contains(c)),
        None => return Err(EventError::Missing("confidence")),
        Some(_) => None,
    };
    e.confidence = Some(confidence.ok_or_else(|| invalid("confidence", "a number from 0 to 1"))?);
    e.snapshot_url = url(o, "snapshot_url")?;
    for field in ["category", "photo_url", "contact"] {
        if o.contains_key(field) {
            return Err(invalid(
                field,
                "belongs to citizen reports, not camera events",
            ));
        }
    }
    Ok(())
}

/// A string field of at most `max` characters without control characters; `None` if absent.
fn text(o: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, EventError> {
    let s = match o.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim(),
        Some(_) => return Err(invalid(field, "must be a string")),
    };
    if s.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    if let Some(c) = forbidden_char(s, &['\n', '\t']) {
        let why = format!(
            "holds {}, a control or text-direction character",
            crate::model::char_name(c)
        );
        return Err(invalid(field, why));
    }
    Ok(Some(s.to_owned()))
}

/// A category or class: an id, lower-cased.
fn name(o: &Map<String, Value>, field: &str) -> Result<Option<String>, EventError> {
    let Some(s) = text(o, field, 64)? else {
        return Ok(None);
    };
    let s = s.to_lowercase();
    if !is_valid_id(&s) {
        return Err(invalid(field, "1 to 64 of a-z 0-9 - _ . (e.g. flooding)"));
    }
    Ok(Some(s))
}

fn url(o: &Map<String, Value>, field: &str) -> Result<Option<String>, EventError> {
    let Some(s) = text(o, field, 500)? else {
        return Ok(None);
    };
    let ok =
        (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace);
    if !ok {
        return Err(invalid(field, "an http:// or https:// URL without spaces"));
    }
    Ok(Some(s))
}

fn contact(c: &Map<String, Value>) -> Result<Contact, EventError> {
    if let Some(k) = c
        .keys()
        .find(|k| !["name", "phone", "email"].contains(&k.as_str()))
    {
        return Err(invalid(
            &format!("contact.{}", truncate(k, 40)),
            "unknown; known: name, phone, email",
        ));
    }
    Ok(Contact {
        name: text(c, "name", 100)?.unwrap_or_default(),
        phone: text(c, "phone", 32)?.unwrap_or_default(),
        email: text(c, "email", 254)?.unwrap_or_default(),
    })
}

fn district(
    o: &Map<String, Value>,
    topic: Option<&str>,
    city: &City,
) -> Result<String, EventError> {
    let body = text(o, "district", 64)?;
    let id = match (body, topic) {
        (Some(b), Some(t)) if b != t => {
            return Err(EventError::DistrictMismatch {
                body: b,
                topic: t.to_owned(),
            })
        }
        (Some(b), _) => b,
        (None, Some(t)) => t.to_owned(),
        (None, None) => return Err(EventError::Missing("district")),
    };
    if city.district_idx(&id).is_none() {
        return Err(EventError::UnknownDistrict(truncate(&id, 64)));
    }
    Ok(id)
}

fn coordinate(o: &Map<String, Value>, field: &'static str, limit: f64) -> Result<f64, EventError> {
    match o.get(field) {
        None | Some(Value::Null) => Err(EventError::Missing(field)),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite() && v.abs() <= limit)
            .ok_or_else(|| invalid(field, format!("a number from -{limit} to {limit}"))),
        Some(_) => Err(invalid(field, "must be a number")),
    }
}

fn timestamp(v: &Value, received_ms: i64) -> Result<i64, EventError> {
    let ts = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => parse_rfc3339_ms(s),
        _ => None,
    }
    .ok_or_else(|| invalid("ts", "unix milliseconds or an RFC 3339 time"))?;
    if ts < MIN_VALID_TS_MS {
        return Err(invalid(
            "ts",
            "before 2000-01-01: is it in seconds rather than milliseconds?",
        ));
    }
    if ts > received_ms + FUTURE_SKEW_MS {
        return Err(invalid(
            "ts",
            "more than 5 minutes in the future; check the sender's clock",
        ));
    }
    Ok(ts)
}
