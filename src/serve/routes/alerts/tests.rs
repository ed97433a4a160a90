use std::sync::Arc;

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::{test, App, HttpMessage};
use serde_json::Value;

use super::*;
use crate::alerts::{Observation, RuleSet, Subject};
use crate::auth::{Role, Scope};
use crate::store::{SqliteAlerts, SqliteKeys};

/// The caller the guard would have put on the request (these tests mount the routes alone).
fn caller(role: Role, scope: &[&str]) -> Principal {
    Principal::new(
        format!("key:{}", role.as_str()),
        role,
        Scope::parse(scope.iter().copied()).expect("scope"),
    )
    .expect("principal")
}

fn auth(dir: &tempfile::TempDir) -> Arc<Auth> {
    let repo = SqliteKeys::open(&dir.path().join("ioc.db")).expect("key repo");
    Arc::new(Auth::new(repo, None, crate::snapshot::fixture::demo_city()))
}

/// The live state of the demo city, for the routes that resolve names against it.
fn live_view() -> crate::serve::live::LiveView {
    use crate::snapshot::fixture;
    let live = fixture::shared(&fixture::demo_city());
    let snapshots = fixture::once(&live);
    crate::serve::live::LiveView::new(live, snapshots)
}

const RULES: &str = r#"
[[rules]]
id = "pm25-high"
signal = "pm25"
severity = "major"
kind = "threshold"
direction = "above"
raise = 150
clear = 120
"#;

/// A service with one firing alert (id 1, returned) in a temp dir.
fn service(dir: &tempfile::TempDir) -> (Arc<AlertService>, i64) {
    let repo = SqliteAlerts::open(&dir.path().join("ioc.db")).expect("repo");
    let rules = RuleSet::parse(RULES).expect("rules");
    let svc = AlertService::open(rules, repo, now_ms()).expect("service");
    let obs = Observation {
        subject: Subject::sensor("aq-0001"),
        domain: "environment".into(),
        district: Some("hai-chau".into()),
        sensor: Some("aq-0001".into()),
        signal: "pm25".into(),
        value: 151.0,
        ts_ms: now_ms(),
    };
    let id = svc.observe(&obs, now_ms()).expect("observe")[1].alert.id;
    (Arc::new(svc), id)
}

macro_rules! app {
    ($svc:expr, $dir:expr) => {
        app!($svc, $dir, caller(Role::Operator, &[]))
    };
    ($svc:expr, $dir:expr, $caller:expr) => {{
        let caller = $caller;
        test::init_service(
            App::new()
                .app_data(web::Data::from($svc.clone()))
                .app_data(web::Data::from(auth($dir)))
                .app_data(web::Data::new(live_view()))
                .wrap_fn(move |req, srv| {
                    req.extensions_mut().insert(caller.clone());
                    srv.call(req)
                })
                .configure(crate::serve::table::configure),
        )
        .await
    }};
}

/// Sends a request; the status and the JSON body.
macro_rules! call {
    ($app:expr, $req:expr) => {{
        let resp = test::call_service(&$app, $req.to_request()).await;
        let status = resp.status();
        let body: Value = test::read_body_json(resp).await;
        (status, body)
    }};
}

fn ack(id: &str, body: Value) -> test::TestRequest {
    test::TestRequest::post()
        .uri(&format!("/api/v1/alerts/{id}/ack"))
        .set_json(body)
}

#[actix_web::test]
async fn listing_returns_alerts_and_filters_by_state_severity_and_domain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let app = app!(svc, &dir);
    let get = |q: &str| test::TestRequest::get().uri(&format!("/api/v1/alerts{q}"));
    let (status, body) = call!(app, get(""));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["count"], 1);
    assert_eq!(body["alerts"][0]["id"], id);
    assert_eq!(body["alerts"][0]["state"], "firing");
    assert_eq!(body["alerts"][0]["subject"], "sensor:aq-0001");
    let (_, body) = call!(app, get("?state=open&severity=major&domain=environment"));
    assert_eq!(body["count"], 1);
    let (_, body) = call!(app, get("?state=resolved"));
    assert_eq!(body["count"], 0);
}

#[actix_web::test]
async fn bad_query_values_are_clear_400s() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, _) = service(&dir);
    let app = app!(svc, &dir);
    for q in [
        "?state=burning",
        "?severity=urgent",
        "?limit=0",
        "?colour=red",
        "?limit=x",
    ] {
        let req = test::TestRequest::get().uri(&format!("/api/v1/alerts{q}"));
        let (status, body) = call!(app, req);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["code"], "invalid_query", "{q}: {body}");
    }
}

#[actix_web::test]
async fn an_alert_is_shown_with_its_history_and_an_unknown_id_is_a_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let app = app!(svc, &dir);
    let req = test::TestRequest::get().uri(&format!("/api/v1/alerts/{id}"));
    let (status, body) = call!(app, req);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["rule_id"], "pm25-high");
    assert_eq!(body["history"][0]["kind"], "pending");
    assert_eq!(body["history"][1]["kind"], "firing");
    for missing in ["999", "abc", "-1"] {
        let req = test::TestRequest::get().uri(&format!("/api/v1/alerts/{missing}"));
        let (status, body) = call!(app, req);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "alert_not_found");
    }
}

#[actix_web::test]
async fn acknowledging_records_who_and_a_second_ack_is_a_409() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let app = app!(svc, &dir);
    let body = serde_json::json!({ "by": "lan.nguyen", "comment": "crew sent" });
    let (status, resp) = call!(app, ack(&id.to_string(), body.clone()));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["state"], "acknowledged");
    assert_eq!(resp["acknowledged"]["by"], "key:operator (lan.nguyen)");
    let log = auth(&dir).audit_log(Some("alert.ack"), 10).expect("audit");
    assert_eq!(log.len(), 1, "the acknowledgement is in the audit log");
    assert_eq!(
        log[0].actor, "key:operator",
        "the actor is the caller alone"
    );
    assert!(
        log[0].detail.contains(r#"by="lan.nguyen""#),
        "{}",
        log[0].detail
    );
    assert_eq!(log[0].target, id.to_string());
    assert_eq!(resp["acknowledged"]["comment"], "crew sent");

    let (status, resp) = call!(app, ack(&id.to_string(), body.clone()));
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(resp["code"], "alert_already_acknowledged");
    let (status, resp) = call!(app, ack("999", body));
    assert_eq!(
        (status, resp["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("alert_not_found"))
    );
}

#[actix_web::test]
async fn acknowledging_a_resolved_alert_is_a_409() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let clear = Observation {
        subject: Subject::sensor("aq-0001"),
        domain: "environment".into(),
        district: Some("hai-chau".into()),
        sensor: Some("aq-0001".into()),
        signal: "pm25".into(),
        value: 100.0,
        ts_ms: now_ms(),
    };
    svc.observe(&clear, now_ms()).expect("observe");
    let app = app!(svc, &dir);
    let req = ack(&id.to_string(), serde_json::json!({ "by": "lan" }));
    let (status, resp) = call!(app, req);
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(resp["code"], "alert_resolved");
}

#[actix_web::test]
async fn an_invalid_ack_body_is_a_clear_400() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let app = app!(svc, &dir);
    let id = id.to_string();
    let long = "x".repeat(1001);
    for body in [
        serde_json::json!({ "by": "y".repeat(65) }),
        serde_json::json!({ "by": "lan", "comment": long }),
        serde_json::json!({ "by": "lan", "extra": 1 }),
    ] {
        let (status, resp) = call!(app, ack(&id, body.clone()));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(resp["code"], "invalid_body", "{body}: {resp}");
    }
    let raw = test::TestRequest::post()
        .uri(&format!("/api/v1/alerts/{id}/ack"))
        .insert_header(("content-type", "application/json"))
        .set_payload("{not json");
    let (status, resp) = call!(app, raw);
    assert_eq!(
        (status, resp["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
}

#[actix_web::test]
async fn a_scoped_caller_sees_and_acknowledges_only_alerts_in_its_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir); // environment, hai-chau
    for (scope, visible) in [
        (&["district:hai-chau"][..], true),
        (&["domain:environment"][..], true),
        (&["district:son-tra"][..], false),
        (&["domain:traffic"][..], false),
    ] {
        let app = app!(svc, &dir, caller(Role::Operator, scope));
        let req = test::TestRequest::get().uri("/api/v1/alerts");
        let (_, body) = call!(app, req);
        assert_eq!(body["count"], u64::from(visible), "{scope:?}: {body}");
        let req = test::TestRequest::get().uri(&format!("/api/v1/alerts/{id}"));
        let (status, _) = call!(app, req);
        let expected = if visible {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{scope:?}");
        if !visible {
            let (status, resp) = call!(app, ack(&id.to_string(), serde_json::json!({})));
            assert_eq!(status, StatusCode::NOT_FOUND, "{scope:?}");
            assert_eq!(
                resp["code"], "alert_not_found",
                "an outside alert is not even named"
            );
        }
    }
}

#[actix_web::test]
async fn listing_by_an_unknown_domain_is_unknown_domain_not_an_empty_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, _) = service(&dir);
    let app = app!(svc, &dir);
    let get = |q: &str| test::TestRequest::get().uri(&format!("/api/v1/alerts{q}"));
    let (status, body) = call!(app, get("?domain=junk"));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "unknown_domain");
    let scoped = app!(svc, &dir, caller(Role::Department, &["domain:traffic"]));
    let (status, body) = call!(scoped, get("?domain=environment"));
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_domain")),
        "outside the scope: as if unknown"
    );
}

#[actix_web::test]
async fn an_ack_name_or_comment_that_could_forge_or_hide_text_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (svc, id) = service(&dir);
    let app = app!(svc, &dir);
    for (body, names) in [
        (serde_json::json!({ "by": "bootstrap) (admin" }), "`by`"),
        (serde_json::json!({ "by": "lan\u{0}" }), "U+0000"),
        (serde_json::json!({ "by": "lan\u{1b}[2J" }), "U+001B"),
        (
            serde_json::json!({ "comment": "ok\u{202e}dlrow" }),
            "U+202E",
        ),
    ] {
        let (status, resp) = call!(app, ack(&id.to_string(), body.clone()));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert_eq!(resp["code"], "invalid_body");
        let msg = resp["message"].as_str().unwrap_or("");
        assert!(msg.contains(names), "{body}: {msg}");
    }
    let body = serde_json::json!({ "by": "Lan Nguyễn", "comment": "line one\nline two" });
    let (status, resp) = call!(app, ack(&id.to_string(), body));
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["acknowledged"]["by"], "key:operator (Lan Nguyễn)");
}
