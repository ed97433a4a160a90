//! An entity in either representation NGSI-LD defines: normalized (each attribute a
//! `Property` or `GeoProperty` with its `observedAt` and `unitCode`) or keyValues.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::attrs::{self, Attr, Value};
use super::{entity_id, EntityType, CORE_CONTEXT};
use crate::aggregate::LatestValue;
use crate::model::Sensor;
use crate::shell::rfc3339_utc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Normalized,
    KeyValues,
}

/// The entity of `sensor` as a `t` of `city` (its slug), from its newest values; with its
/// `@context` when `context`.
pub fn entity(
    t: EntityType,
    city: &str,
    sensor: &Sensor,
    district_name: &str,
    latest: &BTreeMap<String, LatestValue>,
    form: Form,
    context: bool,
) -> Json {
    let mut out = Map::new();
    out.insert("id".into(), entity_id(t, city, &sensor.id).into());
    out.insert("type".into(), t.name().into());
    for a in attrs::of(t, sensor, district_name, latest) {
        let value = match form {
            Form::KeyValues => key_value(&a.value),
            Form::Normalized => normalized(&a),
        };
        out.insert(a.name.into(), value);
    }
    if context {
        out.insert("@context".into(), json!([t.context(), CORE_CONTEXT]));
    }
    Json::Object(out)
}

pub(super) fn key_value(v: &Value) -> Json {
    match v {
        Value::Number(n) => json!(n),
        Value::Integer(i) => json!(i),
        Value::Text(s) => json!(s),
        Value::Time(ms) => json!(rfc3339_utc(*ms)),
        Value::Point { lon, lat } => json!({"type": "Point", "coordinates": [lon, lat]}),
    }
}

fn normalized(a: &Attr) -> Json {
    let mut out = Map::new();
    let (kind, value) = match &a.value {
        Value::Point { .. } => ("GeoProperty", key_value(&a.value)),
        Value::Time(ms) => (
            "Property",
            json!({"@type": "DateTime", "@value": rfc3339_utc(*ms)}),
        ),
        other => ("Property", key_value(other)),
    };
    out.insert("type".into(), kind.into());
    out.insert("value".into(), value);
    if let Some(ts) = a.observed {
        out.insert("observedAt".into(), rfc3339_utc(ts).into());
    }
    if let Some(unit) = a.unit {
        out.insert("unitCode".into(), unit.into());
    }
    Json::Object(out)
}
