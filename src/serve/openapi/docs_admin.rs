//! The admin routes: API keys, the audit log, reloading the alert rules.

use serde_json::json;

use super::doc::{Answer, Doc};
use super::schema::{array, integer, millis, named, object, role, string};
use crate::serve::table::Verb::{Delete, Get, Post};

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/admin/keys", "listKeys", "admin", "Every API key")
            .describe("Never a secret: keys are stored only as a SHA-256 of theirs.")
            .ok(
                "the keys",
                object(
                    &[("count", integer()), ("keys", array(named("ApiKey")))],
                    &["count", "keys"],
                ),
            ),
        Doc::new(Post, "/api/v1/admin/keys", "createKey", "admin", "Create an API key")
            .describe("The answer carries the token, shown this once, with `Cache-Control: no-store`. An admin key cannot have a scope; a department key must have one.")
            .body(object(
                &[
                    ("role", role()),
                    (
                        "scope",
                        json!({ "type": "array", "items": { "type": "string", "pattern": "^(domain|district):.+$" }, "description": "`domain:<name>` and `district:<id>`; empty for the whole city" }),
                    ),
                    (
                        "label",
                        json!({ "type": "string", "maxLength": 100, "description": "no control or text-direction characters" }),
                    ),
                ],
                &["role"],
            ))
            .answer(Answer::json(
                201,
                "the key, and its token (shown this once)",
                object(
                    &[
                        ("key", named("ApiKey")),
                        (
                            "token",
                            json!({ "type": "string", "description": "`ioc_<id>_<secret>`" }),
                        ),
                    ],
                    &["key", "token"],
                ),
            )),
        Doc::new(Delete, "/api/v1/admin/keys/{id}", "revokeKey", "admin", "Revoke an API key")
            .describe("At once: the key's next request is a 401. In a cluster, within a second on every node.")
            .path("id", "the key id (the `<id>` of `ioc_<id>_<secret>`)")
            .answer(Answer {
                status: 204,
                description: "revoked",
                content: Vec::new(),
            })
            .errors(&["key_not_found"]),
        Doc::new(Get, "/api/v1/admin/audit", "listAudit", "admin", "The audit log")
            .describe("Newest first.")
            .query(
                "action",
                string(),
                "only entries of this action: `key.create`, `key.revoke`, `alert.ack`, `config.reload`",
            )
            .query(
                "limit",
                json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 200 }),
                "at most this many",
            )
            .ok(
                "the entries",
                object(
                    &[
                        ("count", integer()),
                        (
                            "entries",
                            array(object(
                                &[
                                    ("id", integer()),
                                    ("at_ms", millis()),
                                    ("actor", string()),
                                    ("action", string()),
                                    ("target", string()),
                                    ("detail", string()),
                                ],
                                &["id", "at_ms", "actor", "action", "target", "detail"],
                            )),
                        ),
                    ],
                    &["entries"],
                ),
            ),
        Doc::new(Post, "/api/v1/admin/reload", "reloadRules", "admin", "Re-read the alert rules")
            .describe("Re-reads `alerts.rules_path`; a file that does not parse is refused and the running rules stay; open alerts of removed rules resolve. In a cluster every other node then re-reads its own rules file.")
            .ok(
                "the rules now running, and how many alerts changed",
                object(
                    &[("rules", integer()), ("changes", integer())],
                    &["rules", "changes"],
                ),
            )
            .errors(&["invalid_config"]),
    ]
}
