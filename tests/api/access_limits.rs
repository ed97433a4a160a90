//! Hardening against the real server: rate limits with Retry-After, body size, JWT
//! verification, CORS, and the refusal to listen unprotected.

use serde_json::{json, Value};

use crate::access::call;
use crate::helpers::{client_with_token, spawn_app_with, BrokerKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_rate_limit_is_a_429_with_retry_after() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__HTTP__RATE_PER_KEY_PER_S", "1"),
            ("IOC__HTTP__RATE_PER_KEY_BURST", "3"),
        ],
    )
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let res = app
            .http
            .get(app.url("/api/v1/kpi"))
            .send()
            .await
            .expect("request");
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        }
    }
    assert_eq!(&statuses[..3], [200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert!(
        retry_after.is_some_and(|s| s >= 1),
        "Retry-After in whole seconds: {retry_after:?}"
    );
    // Per IP too, with or without a key.
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__HTTP__RATE_PER_IP_PER_S", "1"),
            ("IOC__HTTP__RATE_PER_IP_BURST", "2"),
        ],
    )
    .await;
    // Let the bucket refill after the readiness polls of the start.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let anon = reqwest::Client::new();
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(
            anon.get(app.url("/api/v1/kpi"))
                .send()
                .await
                .expect("r")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(codes[..2], [401, 401]);
    assert!(codes[2..].contains(&429), "{codes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[("IOC__HTTP__MAX_BODY_BYTES", "2048")],
    )
    .await;
    let big = json!({ "comment": "x".repeat(4000) });
    let res = app
        .http
        .post(app.url("/api/v1/alerts/1/ack"))
        .json(&big)
        .send()
        .await
        .expect("r");
    assert_eq!(res.status().as_u16(), 413);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "payload_too_large");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("http.max_body_bytes"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_tokens_are_verified_with_the_configured_key() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!";
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__AUTH__JWT_ALGORITHM", "HS256"),
            ("IOC__AUTH__JWT_SECRET", SECRET),
            ("IOC__AUTH__JWT_ISSUER", "sso.danang.gov.vn"),
        ],
    )
    .await;
    let now = ioc::shell::now_ms() / 1000;
    let mint = |claims: Value, secret: &str| {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("jwt")
    };
    let good = mint(
        json!({"sub": "lan", "iss": "sso.danang.gov.vn", "exp": now + 600, "ioc_role": "department", "ioc_scope": ["domain:environment"]}),
        SECRET,
    );
    let http = client_with_token(&good);
    let (status, me) = call(&app, &http, "GET", "/api/v1/whoami", None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["id"].as_str(), me["role"].as_str()),
        (Some("jwt:lan"), Some("department"))
    );
    assert_eq!(
        call(&app, &http, "GET", "/api/v1/indicators/traffic", None)
            .await
            .0,
        400,
        "outside its scope"
    );
    for (bad, why) in [
        (
            mint(
                json!({"sub": "lan", "iss": "sso.danang.gov.vn", "exp": now - 600, "ioc_role": "viewer"}),
                SECRET,
            ),
            "expired",
        ),
        (
            mint(
                json!({"sub": "lan", "iss": "sso.danang.gov.vn", "exp": now + 600, "ioc_role": "viewer"}),
                "another-secret-of-at-least-32-bytes!!",
            ),
            "wrong key",
        ),
        (
            mint(
                json!({"sub": "lan", "iss": "elsewhere", "exp": now + 600, "ioc_role": "viewer"}),
                SECRET,
            ),
            "wrong issuer",
        ),
        (
            mint(
                json!({"sub": "lan", "iss": "sso.danang.gov.vn", "exp": now + 600, "ioc_role": "root"}),
                SECRET,
            ),
            "unknown role",
        ),
        (
            mint(
                json!({"sub": "lan", "iss": "sso.danang.gov.vn", "exp": now + 600, "ioc_role": "department"}),
                SECRET,
            ),
            "department without scope",
        ),
    ] {
        let (status, body) = call(&app, &client_with_token(&bad), "GET", "/api/v1/kpi", None).await;
        assert_eq!(status, 401, "{why}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_allowed_origins() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[(
            "IOC__HTTP__CORS_ALLOWED_ORIGINS",
            "https://ioc.danang.gov.vn,https://gis.danang.gov.vn",
        )],
    )
    .await;
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/kpi"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let ok = preflight("https://gis.danang.gov.vn")
        .await
        .expect("preflight");
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://gis.danang.gov.vn")
    );
    let no = preflight("https://evil.example").await.expect("preflight");
    assert!(no.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_listen_without_auth_refuses_to_start_and_starts_with_a_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ioc.db");
    let env = |listen: &str| {
        let mut env = crate::helpers::test_env(&BrokerKind::Embedded);
        env.push(("IOC__HTTP__LISTEN".into(), listen.into()));
        env.push(("IOC__STORE__PATH".into(), db.display().to_string()));
        ioc::config::load(&ioc::config::Overrides { file: None, env }).expect("settings")
    };
    let err = ioc::Application::build(env("0.0.0.0:0"))
        .await
        .err()
        .expect("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("refusing to listen on 0.0.0.0") && msg.contains("ioc keys create"),
        "{msg}"
    );

    crate::helpers::create_key_cli(&db, "admin", &[]);
    let app = ioc::Application::build(env("0.0.0.0:0"))
        .await
        .expect("starts once a key exists");
    assert!(
        app.bootstrap_token().is_none(),
        "no one-run token once keys exist"
    );
    app.shutdown_token().cancel();
    app.run_until_stopped().await.expect("stops");
}
