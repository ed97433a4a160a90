//! Health, readiness, the dashboard, `/metrics`, the caller, this document, rejections.

use serde_json::{json, Value};

use super::doc::{Answer, Doc};
use super::schema::{array, integer, map_of, millis, nullable, object, one_of_strings, string};
use crate::model::Reason;
use crate::serve::table::Verb::Get;

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/healthz", "healthz", "operations", "Liveness")
            .describe("200 while the process runs.")
            .ok(
                "the process answers",
                object(&[("status", one_of_strings(["ok"]))], &["status"]),
            ),
        Doc::new(Get, "/readyz", "readyz", "operations", "Readiness")
            .describe("200 when every dependency is up, else 503. Checks `broker` and `store`; `export` and `cluster` are reported without deciding readiness (docs/api.md).")
            .ok("every dependency is up", readiness())
            .answer(Answer::json(503, "a dependency is down", readiness())),
        Doc::new(Get, "/", "dashboard", "dashboard", "The control-room dashboard")
            .describe("The HTML page; its assets are under `/ui/`. The page reads its token from the URL fragment, never sent to the server.")
            .answer(text(200, "the page", "text/html; charset=utf-8")),
        Doc::new(Get, "/ui/{file}", "dashboardAsset", "dashboard", "One of the dashboard's assets")
            .path("file", "an asset's file name, e.g. `app.js`")
            .answer(Answer {
                status: 200,
                description: "the asset (CSS, JavaScript or SVG)",
                content: ["text/css; charset=utf-8", "text/javascript; charset=utf-8", "image/svg+xml"]
                    .into_iter()
                    .map(|m| (m, string()))
                    .collect(),
            })
            .errors(&["route_not_found"]),
        Doc::new(Get, "/metrics", "metrics", "operations", "Prometheus metrics")
            .describe("Every metric in the Prometheus text format (docs/api.md \"Metrics\").")
            .answer(text(200, "the metrics", "text/plain; version=0.0.4; charset=utf-8")),
        Doc::new(Get, "/api/v1/whoami", "whoami", "caller", "The caller")
            .describe("The caller's id (`key:<id>`, `jwt:<sub>` or `bootstrap`), role and scope (empty sets: the whole city).")
            .ok(
                "the caller",
                object(
                    &[
                        ("id", string()),
                        ("role", super::schema::role()),
                        (
                            "scope",
                            object(
                                &[("domains", array(string())), ("districts", array(string()))],
                                &["domains", "districts"],
                            ),
                        ),
                    ],
                    &["id", "role", "scope"],
                ),
            ),
        Doc::new(Get, "/api/v1/openapi.json", "openapi", "caller", "This OpenAPI document")
            .describe("The OpenAPI 3.1 document of every route, generated from the route table.")
            .ok(
                "the document",
                object(&[("openapi", one_of_strings(["3.1.0"])), ("paths", json!({ "type": "object" }))], &["openapi", "paths"]),
            ),
        Doc::new(Get, "/api/v1/ingest/rejections", "listRejections", "operations", "Recent rejected messages")
            .describe("The most recent rejections, newest first; one message keeps at most 20 and one more line saying how many others it had.")
            .query("reason", one_of_strings(Reason::ALL.iter().map(|r| r.as_str())), "only this rejection reason")
            .query("limit", json!({ "type": "integer", "minimum": 1, "default": 100 }), "at most this many, up to `ingest.rejection_log_size`")
            .ok(
                "the rejections",
                object(
                    &[
                        ("count", integer()),
                        (
                            "rejections",
                            array(object(
                                &[
                                    ("received_at", millis()),
                                    ("topic", string()),
                                    ("sensor", nullable(string())),
                                    ("reason", string()),
                                    ("field", string()),
                                    ("detail", string()),
                                ],
                                &["received_at", "topic", "reason", "detail"],
                            )),
                        ),
                    ],
                    &["count", "rejections"],
                ),
            ),
    ]
}

fn text(status: u16, description: &'static str, media: &'static str) -> Answer {
    Answer {
        status,
        description,
        content: vec![(media, string())],
    }
}

fn readiness() -> Value {
    let check = object(
        &[
            ("status", one_of_strings(["up", "down"])),
            ("error", nullable(string())),
            ("since", nullable(millis())),
        ],
        &["status"],
    );
    object(
        &[
            ("status", one_of_strings(["ready", "not_ready"])),
            ("checks", map_of(check)),
            ("warnings", array(string())),
        ],
        &["status", "checks"],
    )
}
