//! The temporal representation of an entity: each measured attribute an array of instances,
//! `{"type": "Property", "value", "observedAt"}` (normalized), or with `temporalValues` one
//! object `{"type": "Property", "values": [[value, time], …]}`.

use serde_json::{json, Map, Value as Json};

use crate::shell::rfc3339_utc;

use super::{attrs, entity_id, EntityType, Form, CORE_CONTEXT};

/// `series` holds, per metric name, its `[t, value]` points (oldest first).
pub fn temporal(
    t: EntityType,
    city: &str,
    sensor: &str,
    series: &[(String, Vec<(i64, f64)>)],
    form: Form,
    context: bool,
) -> Json {
    let mut out = Map::new();
    out.insert("id".into(), entity_id(t, city, sensor).into());
    out.insert("type".into(), t.name().into());
    for (metric, attr, scale) in attrs::measured(t) {
        let Some((_, points)) = series.iter().find(|(m, _)| m == metric) else {
            continue;
        };
        if points.is_empty() {
            continue;
        }
        let value = match form {
            Form::Normalized => Json::Array(
                points
                    .iter()
                    .map(|(ts, v)| json!({"type": "Property", "value": v / scale, "observedAt": rfc3339_utc(*ts)}))
                    .collect(),
            ),
            Form::KeyValues => json!({
                "type": "Property",
                "values": points.iter().map(|(ts, v)| json!([v / scale, rfc3339_utc(*ts)])).collect::<Vec<_>>(),
            }),
        };
        out.insert(attr.into(), value);
    }
    if context {
        out.insert("@context".into(), json!([t.context(), CORE_CONTEXT]));
    }
    Json::Object(out)
}
