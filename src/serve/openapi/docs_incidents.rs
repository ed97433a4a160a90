//! Incidents, procedures, the shift handover, and events.

use serde_json::{json, Value};

use super::doc::{Answer, Doc};
use super::schema::{
    array, boolean, integer, millis, nullable, number, object, one_of_strings, page_of, severity,
    string,
};
use crate::serve::table::Verb::{Get, Post};

const STATUSES: [&str; 6] = [
    "new",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "cancelled",
];

fn incident() -> Value {
    let step = object(
        &[
            ("step", string()),
            ("text_vi", string()),
            ("text_en", string()),
            ("optional", boolean()),
            ("done", boolean()),
            ("by", nullable(string())),
            ("at_ms", nullable(millis())),
        ],
        &["step", "done"],
    );
    let entry = object(
        &[
            ("at_ms", millis()),
            ("by", string()),
            (
                "kind",
                one_of_strings([
                    "opened",
                    "assigned",
                    "status",
                    "comment",
                    "checklist",
                    "linked",
                    "sla_breached",
                ]),
            ),
            ("detail", string()),
        ],
        &["at_ms", "by", "kind", "detail"],
    );
    let sla = object(
        &[
            ("assign_by_ms", nullable(millis())),
            ("resolve_by_ms", nullable(millis())),
            ("breached", array(one_of_strings(["assign", "resolve"]))),
        ],
        &["breached"],
    );
    object(
        &[
            ("id", integer()),
            ("title", string()),
            ("category", string()),
            ("domain", string()),
            ("severity", severity()),
            ("district", string()),
            ("lat", nullable(number())),
            ("lon", nullable(number())),
            ("description", string()),
            ("status", one_of_strings(STATUSES)),
            ("assignee", nullable(string())),
            ("opened_ms", millis()),
            ("opened_by", string()),
            ("updated_ms", millis()),
            ("sla", sla),
            ("checklist", array(step)),
            ("alerts", array(integer())),
            ("events", array(string())),
            ("timeline", array(entry)),
        ],
        &[
            "id",
            "title",
            "category",
            "severity",
            "district",
            "status",
            "checklist",
            "timeline",
            "alerts",
        ],
    )
}

fn event() -> Value {
    object(
        &[
            ("id", string()),
            ("kind", one_of_strings(["citizen_report", "camera"])),
            ("district", string()),
            ("lat", number()),
            ("lon", number()),
            ("ts_ms", millis()),
            ("received_ms", millis()),
            ("source", string()),
            ("category", string()),
            ("description", string()),
            ("photo_url", string()),
            (
                "contact",
                object(
                    &[("name", string()), ("phone", string()), ("email", string())],
                    &[],
                ),
            ),
            ("camera", string()),
            ("class", string()),
            ("confidence", number()),
            ("snapshot_url", string()),
            ("incident", nullable(integer())),
        ],
        &["id", "kind", "district", "lat", "lon", "ts_ms"],
    )
}

fn from_body() -> Value {
    object(&[("title", string()), ("category", string())], &[])
}

pub(super) fn docs() -> Vec<Doc> {
    let mut docs = incidents();
    docs.extend(events());
    docs
}

fn incidents() -> Vec<Doc> {
    let act = |path: &'static str, id: &'static str, summary: &'static str, body: Value| {
        Doc::new(Post, path, id, "incidents", summary)
            .path("id", "the incident id, a positive integer")
            .body(body)
            .ok("the incident as it now is", incident())
            .errors(&["incident_not_found", "incident_conflict", "invalid_body"])
    };
    vec![
        Doc::new(Get, "/api/v1/incidents", "listIncidents", "incidents", "One page of incidents")
            .describe("Newest first, within the caller's scope, without timelines.")
            .query("status", one_of_strings(["open", "new", "assigned", "in_progress", "resolved", "closed", "cancelled"]), "only this status (`open`: not closed nor cancelled)")
            .query("district", string(), "only this district")
            .query("category", string(), "only this category")
            .paged()
            .ok("one page", page_of("incidents", incident()))
            .errors(&["unknown_district"]),
        Doc::new(Post, "/api/v1/incidents", "openIncident", "incidents", "Open an incident by hand")
            .describe("A phone call, a field report: status `new`, with its category's checklist and service levels. A department key opens only within its scope.")
            .body(object(
                &[
                    ("title", json!({"type": "string", "maxLength": 200})),
                    ("category", string()),
                    ("severity", severity()),
                    ("district", string()),
                    ("lat", number()),
                    ("lon", number()),
                    ("description", json!({"type": "string", "maxLength": 4000})),
                ],
                &["title", "category", "severity", "district"],
            ))
            .answer(Answer::json(201, "the new incident", incident()))
            .errors(&["invalid_body", "unknown_district"]),
        Doc::new(Get, "/api/v1/incidents/{id}", "getIncident", "incidents", "One incident with its checklist and timeline")
            .path("id", "the incident id, a positive integer")
            .ok("the incident", incident())
            .errors(&["incident_not_found"]),
        act("/api/v1/incidents/{id}/assign", "assignIncident", "Assign to a department (operators and admins)", object(&[("assignee", string())], &["assignee"])),
        act("/api/v1/incidents/{id}/comment", "commentIncident", "Add a comment", object(&[("text", json!({"type": "string", "maxLength": 2000}))], &["text"])),
        act("/api/v1/incidents/{id}/status", "moveIncident", "Move to another status", object(&[("status", one_of_strings(&STATUSES[1..]))], &["status"])),
        Doc::new(Post, "/api/v1/incidents/{id}/checklist/{step}", "tickIncidentStep", "incidents", "Tick (or untick) a procedure step")
            .describe("The body may be left out (tick) or be `{\"done\": false}` (untick). Who and when are recorded on the step and in the timeline.")
            .path("id", "the incident id, a positive integer")
            .path("step", "the step's id in the procedure")
            .body(object(&[("done", boolean())], &[]))
            .ok("the incident as it now is", incident())
            .errors(&["incident_not_found", "incident_conflict", "invalid_body"]),
        Doc::new(Post, "/api/v1/alerts/{id}/incident", "openIncidentFromAlert", "incidents", "Open an incident from an alert")
            .describe("201 with a new incident linked to the alert, of the category its rule or signal maps to in the procedures; 200 with the incident the alert already belongs to.")
            .path("id", "the alert id, a positive integer")
            .body(from_body())
            .answer(Answer::json(201, "the new incident", incident()))
            .ok("the incident the alert already belongs to", incident())
            .errors(&["alert_not_found", "incident_conflict", "invalid_body"]),
        Doc::new(Get, "/api/v1/procedures", "getProcedures", "incidents", "Incident categories, their procedures and the departments")
            .ok("the procedures", object(&[("categories", array(object(&[("id", string()), ("steps", array(object(&[("step", string())], &["step"])))], &["id", "steps"]))), ("departments", array(object(&[("id", string()), ("name_vi", string()), ("name_en", string())], &["id"])))], &["categories", "departments"])),
        Doc::new(Get, "/api/v1/handover", "getHandover", "incidents", "Shift handover")
            .describe("What opened since `since`, what is still open, what breached a service level since, who did what (at most 2,000 actions, `actions_truncated` when more), and the alerts still firing unacknowledged.")
            .query("since", string(), "RFC 3339 or unix milliseconds; default 12 hours ago; unreadable or in the future → `invalid_range`")
            .ok("the handover", object(&[("handover", object(&[("since_ms", millis()), ("opened", array(incident())), ("still_open", array(incident())), ("breached", array(incident())), ("actions", array(json!({"type": "object"})))], &["opened", "still_open", "breached", "actions"])), ("unacknowledged_alerts", array(json!({"type": "object"})))], &["handover"]))
            .errors(&["invalid_range"]),
    ]
}

fn events() -> Vec<Doc> {
    vec![
        Doc::new(Post, "/api/v1/events", "postEvent", "events", "Report an event")
            .describe("A citizen report or a camera detection, idempotent by `id`: 201 with the stored event (and `incident`, when a rule opened or joined one); 200 `{\"duplicate\": true, \"event\"}` for an id seen before. A scoped key reports only in its districts.")
            .body(event())
            .answer(Answer::json(201, "the stored event", event()))
            .ok("an event with this id was already stored", object(&[("duplicate", boolean()), ("event", event())], &["duplicate", "event"]))
            .errors(&["invalid_event"]),
        Doc::new(Get, "/api/v1/events", "listEvents", "events", "One page of events")
            .describe("Newest received first, within the caller's districts. The reporter's contact only for operators and admins.")
            .query("kind", one_of_strings(["citizen_report", "camera"]), "only this kind")
            .query("district", string(), "only this district")
            .query("since", string(), "events that happened at or after: RFC 3339 or unix ms")
            .paged()
            .ok("one page", page_of("events", event()))
            .errors(&["unknown_district", "invalid_query", "invalid_range"]),
        Doc::new(Get, "/api/v1/events/{id}", "getEvent", "events", "One event")
            .path("id", "the event's id")
            .ok("the event", event())
            .errors(&["event_not_found"]),
        Doc::new(Post, "/api/v1/events/{id}/incident", "openIncidentFromEvent", "events", "Open an incident from an event")
            .path("id", "the event's id")
            .body(from_body())
            .answer(Answer::json(201, "the new incident", incident()))
            .ok("the incident the event already belongs to", incident())
            .errors(&["event_not_found", "invalid_body"]),
    ]
}
