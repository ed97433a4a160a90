//! JWTs with a configured issuer and audience (issue 19, findings 4 and 9): both claims are
//! required, `nbf` and `iat` are checked, refusals do not quote the library, and long
//! subjects sharing a prefix stay distinct principals. Real tokens, signed with HS256.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use crate::access::call;
use crate::helpers::{client_with_token, spawn_app_with, BrokerKind, TestApp};

const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!";
const ISSUER: &str = "sso.danang.gov.vn";
const AUDIENCE: &str = "ioc";

async fn app_with_sso() -> TestApp {
    spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__AUTH__JWT_ALGORITHM", "HS256"),
            ("IOC__AUTH__JWT_SECRET", SECRET),
            ("IOC__AUTH__JWT_ISSUER", ISSUER),
            ("IOC__AUTH__JWT_AUDIENCE", AUDIENCE),
        ],
    )
    .await
}

fn mint(claims: &Value) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("jwt")
}

fn now_s() -> i64 {
    ioc::shell::now_ms() / 1000
}

/// An admin token with every claim; `change` edits it before signing.
fn admin_claims(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let now = now_s();
    let mut claims = json!({
        "sub": "lan", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600,
        "iat": now, "nbf": now - 10, "ioc_role": "admin",
    });
    if let Some(map) = claims.as_object_mut() {
        change(map);
    }
    claims
}

async fn admin_keys(app: &TestApp, token: &str) -> (u16, Value) {
    call(
        app,
        &client_with_token(token),
        "GET",
        "/api/v1/admin/keys",
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_issuer_and_audience_are_required_and_nbf_and_iat_checked() {
    let app = app_with_sso().await;
    let (status, body) = admin_keys(&app, &mint(&admin_claims(|_| {}))).await;
    assert_eq!(status, 200, "a complete token: {body}");
    // Each claim either left out (`None`) or set an hour ahead.
    let hour_ahead = Some(now_s() + 3600);
    for (claim, value) in [
        ("iss", None),
        ("aud", None),
        ("nbf", hour_ahead),
        ("iat", hour_ahead),
    ] {
        let claims = admin_claims(|c| match value {
            None => {
                c.remove(claim);
            }
            Some(v) => {
                c.insert(claim.into(), json!(v));
            }
        });
        let (status, body) = admin_keys(&app, &mint(&claims)).await;
        assert_eq!(status, 401, "{claim} {value:?}: {body}");
        let msg = body["message"].as_str().unwrap_or("");
        assert!(msg.contains(&format!("`{claim}`")), "{claim}: {msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_explained_without_the_library_s_internals() {
    let app = app_with_sso().await;
    let b64 = |v: &Value| base64url(v.to_string().as_bytes());
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&admin_claims(|_| {}))
    );
    for (token, why) in [(unsigned, "alg none"), ("a.b.c".to_owned(), "garbage")] {
        let (status, body) = admin_keys(&app, &token).await;
        assert_eq!(status, 401, "{why}: {body}");
        let msg = body["message"].as_str().unwrap_or("");
        assert!(msg.contains("HS256"), "{why}: {msg}");
        for internal in ["unknown variant", "expected one of", "Json(", "Base64"] {
            assert!(!msg.contains(internal), "{why}: {msg}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_subjects_sharing_a_prefix_are_distinct_principals() {
    let app = app_with_sso().await;
    let prefix = "x".repeat(64);
    let mut ids = Vec::new();
    for who in ["alice", "bob"] {
        let token = mint(&admin_claims(|c| {
            c.insert("sub".into(), json!(format!("{prefix}{who}")));
        }));
        let (status, me) = call(
            &app,
            &client_with_token(&token),
            "GET",
            "/api/v1/whoami",
            None,
        )
        .await;
        assert_eq!(status, 200, "{me}");
        ids.push(me["id"].as_str().unwrap_or("").to_owned());
    }
    assert_ne!(ids[0], ids[1], "{ids:?}");
}

/// Unpadded base64url (RFC 4648 §5), to forge a token no library would sign.
fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}
