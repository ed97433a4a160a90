//! Admin is never scoped (issue 19, finding 5; docs/decisions.md "Admin is never scoped"):
//! no route or command makes a scoped admin, and one stored before the rule (the probe's
//! `{"role": "admin", "scope": ["district:hai-chau"]}`) cannot mint keys, list them or read
//! the audit log.

use ioc::auth::Role;
use serde_json::json;

use crate::access::call;
use crate::helpers::{client_with_token, spawn_app, store_key_row, BrokerKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_key_with_a_scope_is_refused_on_creation() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, body) = call(
        &app,
        &app.http,
        "POST",
        "/api/v1/admin/keys",
        Some(json!({"role": "admin", "scope": ["district:hai-chau"], "label": "x"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_body");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot have a scope")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_admin_stored_before_the_rule_can_neither_mint_nor_read_keys_or_audit() {
    let app = spawn_app(BrokerKind::Embedded).await;
    // Written straight into the key table, as an older version would have.
    let token = store_key_row(
        &app.dir.path().join("ioc.db"),
        Role::Admin,
        "district:hai-chau",
        "scoped admin",
    );
    let http = client_with_token(&token);
    let create = json!({"role": "admin", "scope": [], "label": "escalated"});
    for (method, path, body) in [
        ("POST", "/api/v1/admin/keys", Some(create)),
        ("GET", "/api/v1/admin/keys", None),
        ("GET", "/api/v1/admin/audit", None),
    ] {
        let (status, answer) = call(&app, &http, method, path, body).await;
        assert_eq!(status, 401, "{method} {path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot have a scope")),
            "{answer}"
        );
    }
    let (_, keys) = app.get("/api/v1/admin/keys").await;
    assert_eq!(keys["count"], 1, "nothing was minted: {keys}");
}
