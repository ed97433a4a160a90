//! Security headers on every answer: the guard's refusals carry them as successes do, and the
//! one answer that carries a new key's token may not be cached.

use crate::helpers::{spawn_app_with, BrokerKind};

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_refusals_carry_nosniff_and_referrer_policy() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__HTTP__RATE_PER_KEY_PER_S", "1"),
            ("IOC__HTTP__RATE_PER_KEY_BURST", "1"),
            ("IOC__HTTP__MAX_BODY_BYTES", "1024"),
        ],
    )
    .await;
    let anon = reqwest::Client::new();
    let res = anon.get(app.url("/api/v1/kpi")).send().await.expect("GET");
    assert_eq!(res.status().as_u16(), 401);
    assert_security_headers(&res, "401 without a credential");

    let viewer = app.create_key("viewer", &[]).await;
    let viewer = crate::helpers::client_with_token(&viewer);
    let res = viewer
        .get(app.url("/api/v1/admin/keys"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 403);
    assert_security_headers(&res, "403 for a viewer on an admin route");

    let res = anon
        .post(app.url("/api/v1/admin/keys"))
        .header("content-type", "application/json")
        .body(vec![b' '; 4096])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 413);
    assert_security_headers(&res, "413 for a body over http.max_body_bytes");

    let mut last = 0;
    for _ in 0..5 {
        let res = viewer
            .get(app.url("/api/v1/kpi"))
            .send()
            .await
            .expect("GET");
        last = res.status().as_u16();
        if last == 429 {
            assert_security_headers(&res, "429 over the key's rate");
            break;
        }
    }
    assert_eq!(last, 429, "the key's bucket of one is spent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_carrying_a_new_keys_token_is_not_cached() {
    let app = spawn_app_with(BrokerKind::Embedded, &[]).await;
    let res = app
        .http
        .post(app.url("/api/v1/admin/keys"))
        .json(&serde_json::json!({ "role": "viewer", "scope": [], "label": "wall" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert_security_headers(&res, "201 with a token");
}
