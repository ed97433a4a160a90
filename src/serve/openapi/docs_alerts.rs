//! Alerts: list, detail with history, acknowledge.

use serde_json::{json, Value};

use super::doc::Doc;
use super::schema::{
    array, integer, millis, named, nullable, number, object, page_of, severity, string,
};
use crate::serve::table::Verb::{Get, Post};

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/alerts", "listAlerts", "alerts", "One page of alerts")
            .describe("Newest first by `id` (the order alerts opened in), within the caller's scope.")
            .query(
                "state",
                super::schema::one_of_strings(["open", "pending", "firing", "acknowledged", "resolved"]),
                "only alerts in this state (`open`: firing or acknowledged)",
            )
            .query("severity", severity(), "only alerts of this severity")
            .query("domain", string(), "only this domain's alerts; unknown or outside the caller's scope → `unknown_domain`")
            .paged()
            .ok("one page", page_of("alerts", named("Alert")))
            .errors(&["unknown_domain"]),
        Doc::new(Get, "/api/v1/alerts/{id}", "getAlert", "alerts", "One alert with its history")
            .path("id", "the alert id, a positive integer")
            .ok("the alert", alert_detail())
            .errors(&["alert_not_found"]),
        Doc::new(Post, "/api/v1/alerts/{id}/ack", "acknowledgeAlert", "alerts", "Acknowledge an alert")
            .describe("The alert records `<caller> (<by>)`; the audit entry's actor is the caller alone. On a replica that does not decide alerts it is forwarded to the one that does and answered once confirmed (`upstream_unavailable` if not within 3 s). The body is at most 16 KiB.")
            .path("id", "the alert id, a positive integer")
            .body(object(
                &[
                    (
                        "by",
                        json!({ "type": "string", "maxLength": 64, "description": "the person at a shared console: no parentheses or control characters" }),
                    ),
                    (
                        "comment",
                        json!({ "type": "string", "maxLength": 1000, "description": "line breaks and tabs allowed, no other control characters" }),
                    ),
                ],
                &[],
            ))
            .ok("the acknowledged alert", named("Alert"))
            .errors(&[
                "alert_not_found",
                "alert_already_acknowledged",
                "alert_resolved",
                "alert_not_firing",
                "upstream_unavailable",
            ]),
    ]
}

fn alert_detail() -> Value {
    let event = object(
        &[
            ("kind", string()),
            ("at_ms", millis()),
            ("value", nullable(number())),
            ("by", string()),
            ("comment", string()),
        ],
        &["kind", "at_ms"],
    );
    let notification = object(
        &[
            ("channel", string()),
            ("event", string()),
            ("id", string()),
            ("attempts", integer()),
            ("delivered_ms", nullable(millis())),
            ("last_error", nullable(string())),
        ],
        &["channel", "event", "id", "attempts"],
    );
    json!({
        "allOf": [
            named("Alert"),
            object(
                &[("history", array(event)), ("notifications", array(notification))],
                &["history"],
            ),
        ],
    })
}
