//! The REST contract: filters, stable error codes, readiness, metrics by route template.

use crate::helpers::{eventually, metric_value, spawn_app, BrokerKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_report_the_broker() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["broker"]["status"], "up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensors_filter_by_domain_district_and_status() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, all) = app.get("/api/v1/sensors").await;
    assert_eq!(status, 200);
    assert_eq!(all["count"], 288);

    let (_, traffic) = app
        .get("/api/v1/sensors?domain=traffic&district=hai-chau")
        .await;
    assert_eq!(traffic["count"], 12);
    assert!(traffic["sensors"]
        .as_array()
        .expect("array")
        .iter()
        .all(|s| s["domain"] == "traffic" && s["district"] == "hai-chau"));

    let p = app.publisher().await;
    p.publish("city/traffic/hai-chau/tl-0042", r#"{"vehicle_count": 1}"#)
        .await;
    eventually("the sensor is online", || async {
        app.get("/api/v1/sensors?status=online").await.1["count"] == 1
    })
    .await;
    let (_, online) = app.get("/api/v1/sensors?status=online").await;
    assert_eq!(online["sensors"][0]["id"], "tl-0042");
    let (_, never) = app
        .get("/api/v1/sensors?status=never_seen&domain=traffic")
        .await;
    assert_eq!(never["count"], 143);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors_with_stable_codes() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let cases = [
        ("/api/v1/sensors?domain=parking", 400, "unknown_domain"),
        ("/api/v1/sensors?district=atlantis", 400, "unknown_district"),
        ("/api/v1/sensors?status=sleepy", 400, "invalid_query"),
        ("/api/v1/sensors?domian=traffic", 400, "invalid_query"),
        ("/api/v1/indicators?domain=parking", 400, "unknown_domain"),
        ("/api/v1/ingest/rejections?limit=0", 400, "invalid_query"),
        (
            "/api/v1/ingest/rejections?reason=bad_vibes",
            400,
            "invalid_query",
        ),
        ("/api/v1/sensors/nope-0000", 404, "sensor_not_found"),
        ("/api/v2/sensors", 404, "route_not_found"),
    ];
    for (path, want_status, want_code) in cases {
        let (status, body) = app.get(path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (want_status, Some(want_code)),
            "{path}: {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}: {body}"
        );
    }
    let (_, body) = app.get("/api/v1/sensors?domain=parking").await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("traffic")),
        "the message lists the known domains: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_metrics_are_labelled_by_route_template_not_raw_path() {
    let app = spawn_app(BrokerKind::Embedded).await;
    app.get("/api/v1/sensors/tl-0001").await;
    app.get("/api/v1/sensors/tl-0002").await;
    app.get("/api/v1/sensors/unknown-1").await;
    let text = app.metrics().await;
    assert_eq!(
        metric_value(
            &text,
            r#"ioc_http_requests_total{method="GET",route="/api/v1/sensors/{id}",status="200"}"#
        ),
        2.0
    );
    assert_eq!(
        metric_value(
            &text,
            r#"ioc_http_requests_total{method="GET",route="/api/v1/sensors/{id}",status="404"}"#
        ),
        1.0
    );
    assert!(
        !text.contains("tl-0001"),
        "raw paths must never become labels"
    );
    for name in [
        "ioc_ingest_decode_duration_seconds_bucket",
        "ioc_mqtt_reconnects_total",
        "ioc_ingest_messages_total",
    ] {
        assert!(text.contains(name), "{name} is exported");
    }
}
