//! The read-only NGSI-LD endpoints (`/ngsi-ld/v1/…`), for the province's integration platform.
//! Their own errors are NGSI-LD problem details (`BadRequestData`, `InvalidRequest`,
//! `ResourceNotFound`), not the API's `{code, message}`.

use serde_json::{json, Value};

use super::doc::{Answer, Doc};
use super::schema::{array, boolean, integer, one_of_strings, string};
use crate::serve::table::Verb::Get;

const TYPES: [&str; 4] = [
    "AirQualityObserved",
    "TrafficFlowObserved",
    "FloodMonitoring",
    "QueueMonitor",
];

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/ngsi-ld/v1/entities", "ngsiEntities", "ngsi-ld", "Entities of one Smart Data Models type")
            .describe("The caller's sensors of `type` as NGSI-LD entities with their newest values, in the caller's scope. `Accept: application/ld+json` puts `@context` in the body, otherwise it is in a `Link` header. Ids are `urn:ngsi-ld:{Type}:{city}:{sensor_id}`. Mapping: docs/ngsi-ld.md.")
            .query("type", one_of_strings(TYPES), "the entity type (required)")
            .query("q", string(), "terms `attr op value` joined by `;`, op one of == != > >= < <=, e.g. `pm25>50`")
            .query("limit", integer(), "entities per page, 1 to 1000 (default 20)")
            .query("offset", integer(), "entities to skip")
            .query("options", one_of_strings(["keyValues", "simplified", "normalized"]), "the representation (default normalized)")
            .query("count", boolean(), "true adds the NGSILD-Results-Count header")
            .answer(ld(array(entity()), "the page of entities"))
            .answer(problems()),
        Doc::new(Get, "/ngsi-ld/v1/entities/{id}", "ngsiEntity", "ngsi-ld", "One entity")
            .describe("The entity of one sensor, with its newest values. An entity outside the caller's scope is answered 404 like an unknown one.")
            .path("id", "urn:ngsi-ld:{Type}:{city}:{sensor_id}")
            .query("options", one_of_strings(["keyValues", "simplified", "normalized"]), "the representation (default normalized)")
            .answer(ld(entity(), "the entity"))
            .answer(problems()),
        Doc::new(Get, "/ngsi-ld/v1/temporal/entities/{id}", "ngsiTemporalEntity", "ngsi-ld", "One entity's history")
            .describe("Each measured attribute's values over a window, from the history service (so at most `store.max_points` per attribute; a point is the mean of its step and `observedAt` its start). Without `timerel`, the last 24 hours; `before` covers the 24 hours before `timeAt`.")
            .path("id", "urn:ngsi-ld:{Type}:{city}:{sensor_id}")
            .query("timerel", one_of_strings(["before", "after", "between"]), "how the window relates to timeAt")
            .query("timeAt", string(), "RFC 3339")
            .query("endTimeAt", string(), "RFC 3339, with timerel=between")
            .query("lastN", integer(), "only the newest N instances of each attribute")
            .query("options", one_of_strings(["temporalValues"]), "the simplified temporal representation")
            .answer(ld(entity(), "the entity's temporal representation"))
            .answer(problems()),
    ]
}

fn entity() -> Value {
    json!({"type": "object", "required": ["id", "type"], "properties": {"id": string(), "type": one_of_strings(TYPES)}})
}

fn ld(schema: Value, description: &'static str) -> Answer {
    Answer {
        status: 200,
        description,
        content: vec![
            ("application/json", schema.clone()),
            ("application/ld+json", schema),
        ],
    }
}

fn problems() -> Answer {
    Answer::json(
        400,
        "an NGSI-LD problem (BadRequestData, InvalidRequest; 404 ResourceNotFound has the same shape); the guard's 401, 403 and 429 are the API's errors",
        json!({"type": "object", "properties": {"type": string(), "title": string(), "detail": string()}}),
    )
}
