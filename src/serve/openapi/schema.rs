//! JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) in a few helpers, and the shared
//! schemas of `components.schemas`. They list the key fields docs/api.md names, not every
//! field: answers may carry more (`additionalProperties` is left open).

use serde_json::{json, Map, Value};

use crate::alerts::Severity;
use crate::auth::Role;

pub(super) fn string() -> Value {
    json!({ "type": "string" })
}

pub(super) fn integer() -> Value {
    json!({ "type": "integer" })
}

pub(super) fn number() -> Value {
    json!({ "type": "number" })
}

pub(super) fn boolean() -> Value {
    json!({ "type": "boolean" })
}

/// Unix milliseconds (UTC).
pub(super) fn millis() -> Value {
    json!({ "type": "integer", "description": "unix ms (UTC)" })
}

pub(super) fn one_of_strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Value {
    let all: Vec<String> = values.into_iter().map(|v| v.as_ref().to_owned()).collect();
    json!({ "type": "string", "enum": all })
}

pub(super) fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

pub(super) fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// A map from names (domains, districts, metrics) to `values`.
pub(super) fn map_of(values: Value) -> Value {
    json!({ "type": "object", "additionalProperties": values })
}

/// An object with these properties; `required` names those always present.
pub(super) fn object(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let props: Map<String, Value> = properties
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    json!({ "type": "object", "properties": props, "required": required })
}

/// A reference to one of [`components`].
pub(super) fn named(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// One page of a list (docs/api.md "Lists page"): `count`, the items under `key`, and
/// `next_cursor`.
pub(super) fn page_of(key: &str, item: Value) -> Value {
    object(
        &[
            ("count", integer()),
            (key, array(item)),
            ("next_cursor", nullable(string())),
        ],
        &["count", key, "next_cursor"],
    )
}

pub(super) fn role() -> Value {
    one_of_strings(Role::ALL.iter().map(|r| r.as_str()))
}

pub(super) fn severity() -> Value {
    one_of_strings(Severity::ALL.iter().map(|s| s.as_str()))
}

/// `components.schemas`: what several routes answer.
pub(super) fn components() -> Value {
    json!({
        "Error": object(
            &[
                ("code", json!({ "type": "string", "description": "stable snake_case code (docs/api.md \"Errors\")" })),
                ("message", json!({ "type": "string", "description": "what to fix" })),
            ],
            &["code", "message"],
        ),
        "SensorSummary": sensor_summary(),
        "SensorDetail": {
            "allOf": [
                named("SensorSummary"),
                object(
                    &[
                        ("latest", map_of(object(
                            &[("value", number()), ("unit", string()), ("ts", millis())],
                            &["value", "ts"],
                        ))),
                        ("last_seq", nullable(integer())),
                        ("readings_received", integer()),
                    ],
                    &["latest"],
                ),
            ],
        },
        "Alert": alert(),
        "ApiKey": object(
            &[
                ("id", string()),
                ("role", role()),
                ("scope", json!({ "type": "string", "description": "text form, empty for the whole city" })),
                ("label", string()),
                ("created_ms", millis()),
                ("created_by", string()),
                ("revoked_ms", nullable(millis())),
            ],
            &["id", "role", "scope", "label", "created_ms"],
        ),
    })
}

fn sensor_summary() -> Value {
    object(
        &[
            ("id", string()),
            ("name", nullable(string())),
            ("domain", string()),
            ("district", string()),
            ("registered", boolean()),
            (
                "status",
                one_of_strings(["online", "late", "offline", "never_seen"]),
            ),
            ("last_seen", nullable(millis())),
            ("expected_interval_s", nullable(number())),
            ("lat", nullable(number())),
            ("lon", nullable(number())),
        ],
        &["id", "domain", "district", "registered", "status"],
    )
}

fn alert() -> Value {
    object(
        &[
            ("id", integer()),
            ("rule_id", string()),
            (
                "subject",
                json!({ "type": "string", "description": "`sensor:<id>`, `district:<id>` or `city`" }),
            ),
            ("domain", string()),
            ("district", nullable(string())),
            ("signal", string()),
            ("severity", severity()),
            ("title", string()),
            (
                "state",
                one_of_strings(["pending", "firing", "acknowledged", "resolved"]),
            ),
            ("value", number()),
            ("opened_ms", millis()),
            ("fired_ms", nullable(millis())),
            (
                "acknowledged",
                nullable(object(
                    &[("by", string()), ("at_ms", millis()), ("comment", string())],
                    &["by", "at_ms"],
                )),
            ),
            ("resolved_ms", nullable(millis())),
            ("flapping", boolean()),
            ("flap_count", integer()),
            ("updated_ms", millis()),
        ],
        &["id", "rule_id", "subject", "severity", "state"],
    )
}
