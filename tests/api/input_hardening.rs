//! Issue 19's input findings through the running application: unregistered sensors stay in
//! the domain and district where they were first seen, one message cannot wipe the rejection
//! log, and the query quirks of `series` and `alerts`.

use serde_json::Value;

use crate::access::call;
use crate::helpers::{client_with_token, metric_value, spawn_app, store_key_row, BrokerKind};

fn rejections_of<'a>(body: &'a Value, reason: &str) -> Vec<&'a Value> {
    body["rejections"]
        .as_array()
        .map(|a| a.iter().filter(|r| r["reason"] == reason).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_sensor_seen_under_another_district_or_domain_is_a_sensor_mismatch() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    p.publish("city/traffic/hai-chau/mover-1", r#"{"vehicle_count": 5}"#)
        .await;
    p.publish("city/traffic/son-tra/mover-1", r#"{"vehicle_count": 77}"#)
        .await;
    p.publish("city/environment/son-tra/mover-1", r#"{"pm25": 40}"#)
        .await;
    p.wait_acked(3).await;

    let (_, body) = app.get("/api/v1/ingest/rejections?limit=50").await;
    let mismatches = rejections_of(&body, "sensor_mismatch");
    assert_eq!(mismatches.len(), 2, "{body}");
    assert!(mismatches.iter().all(|r| r["sensor"] == "mover-1"
        && r["detail"]
            .as_str()
            .is_some_and(|d| d.contains("traffic/hai-chau"))));

    let key = app.create_key("department", &["district:hai-chau"]).await;
    let http = client_with_token(&key);
    let (status, sensor) = call(&app, &http, "GET", "/api/v1/sensors/mover-1", None).await;
    assert_eq!(status, 200, "{sensor}");
    assert_eq!(sensor["readings_received"], 1, "{sensor}");
    assert_eq!(sensor["latest"]["vehicle_count"]["value"], 5.0, "{sensor}");
    assert!(sensor["latest"].get("pm25").is_none(), "{sensor}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_sensor_keeps_its_district_across_a_restart() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    p.publish("city/traffic/hai-chau/mover-2", r#"{"vehicle_count": 5}"#)
        .await;
    p.wait_acked(1).await;
    drop(p);
    let dir = app.dir.clone();
    app.stop().await.expect("stop");

    let app = crate::helpers::spawn_app_in(dir, BrokerKind::Embedded, &[]).await;
    let p = app.publisher().await;
    p.publish("city/traffic/son-tra/mover-2", r#"{"vehicle_count": 77}"#)
        .await;
    p.wait_acked(1).await;
    let (_, body) = app.get("/api/v1/ingest/rejections?limit=50").await;
    let mismatches = rejections_of(&body, "sensor_mismatch");
    assert_eq!(mismatches.len(), 1, "{body}");
    assert!(
        mismatches[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("traffic/hai-chau")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_message_of_thousands_of_bad_keys_does_not_wipe_the_rejection_log() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let topic = "city/traffic/hai-chau/tl-0042";
    p.publish(topic, "{\"vehicle_count\": 4").await;
    let keys: Vec<String> = (0..4000).map(|i| format!("\"k{i}\": 1")).collect();
    p.publish(topic, format!("{{{}}}", keys.join(","))).await;
    p.wait_acked(2).await;

    let (status, body) = app.get("/api/v1/ingest/rejections?limit=500").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        rejections_of(&body, "malformed_json").len(),
        1,
        "the earlier rejection is still kept"
    );
    let unknown = rejections_of(&body, "unknown_metric");
    assert_eq!(unknown.len(), 21, "20 kept and one line for the rest");
    assert!(
        unknown[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("3980 more")),
        "{}",
        unknown[0]
    );
    let metrics = app.metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "ioc_ingest_rejections_total{reason=\"unknown_metric\"}"
        ),
        4000.0,
        "the counter counts every rejection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_range_at_the_ends_of_i64_is_refused_as_out_of_range_not_reversed() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, body) = app
        .get(&format!(
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={}&to={}",
            i64::MIN,
            i64::MAX
        ))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_range");
    let msg = body["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("1970 to 9999") && !msg.contains("before"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_of_an_unknown_domain_are_unknown_domain() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, body) = app.get("/api/v1/alerts?domain=junk").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown_domain")),
        "{body}"
    );
    let (status, _) = app.get("/api/v1/alerts?domain=traffic").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_label_with_control_characters_is_refused() {
    let app = spawn_app(BrokerKind::Embedded).await;
    for label in ["wall\u{1b}[2J", "nul\u{0}", "abc\u{202e}fed"] {
        let (status, body) = call(
            &app,
            &app.http,
            "POST",
            "/api/v1/admin/keys",
            Some(serde_json::json!({"role": "viewer", "label": label})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_body")),
            "{label:?}: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("label")),
            "{body}"
        );
    }
}

#[test]
fn keys_list_escapes_control_characters_of_labels_stored_before_the_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ioc.db");
    store_key_row(
        &db,
        ioc::auth::Role::Viewer,
        "",
        "wall\u{1b}[2J\u{1b}]0;pwned\u{7}",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env("IOC__STORE__PATH", &db)
        .args(["keys", "list"])
        .output()
        .expect("run ioc keys list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        !listing.contains('\u{1b}') && !listing.contains('\u{7}'),
        "{listing:?}"
    );
    assert!(listing.contains(r"wall\u{1b}[2J"), "{listing}");
}
