//! Ingest through the embedded broker. The same scenarios run through Mosquitto in
//! `mosquitto.rs`.

use serde_json::Value;

use crate::helpers::{eventually, spawn_app, BrokerKind, TestApp};

/// Publishes one reading of each domain in hai-chau and waits until the API shows them.
pub async fn readings_of_all_three_domains_reach_the_api(app: &TestApp) {
    let p = app.publisher().await;
    p.publish(
        "city/traffic/hai-chau/tl-0042",
        r#"{"seq": 1, "vehicle_count": 42, "avg_speed_kmh": 31.5, "occupancy_pct": 38.0}"#,
    )
    .await;
    p.publish(
        "city/environment/hai-chau/aq-0019",
        r#"{"pm25": 35.2, "pm10": 60, "noise_db": 68}"#,
    )
    .await;
    p.publish(
        "city/public_service/hai-chau/qs-0013",
        r#"[{"waiting": 12, "avg_wait_s": 420}, {"counters_open": 3}]"#,
    )
    .await;

    eventually("all three sensors show their values", || async {
        let (_, q) = app.get("/api/v1/sensors/qs-0013").await;
        q["latest"]["counters_open"]["value"] == 3.0
    })
    .await;
    let (status, t) = app.get("/api/v1/sensors/tl-0042").await;
    assert_eq!(status, 200);
    assert_eq!(t["latest"]["avg_speed_kmh"]["value"], 31.5);
    assert_eq!(t["latest"]["avg_speed_kmh"]["unit"], "km/h");
    assert_eq!(t["status"], "online");
    assert_eq!(t["last_seq"], 1);
    let (_, e) = app.get("/api/v1/sensors/aq-0019").await;
    assert_eq!(e["latest"]["pm25"]["value"], 35.2);

    let (status, ind) = app.get("/api/v1/indicators?district=hai-chau").await;
    assert_eq!(status, 200);
    let window = |domain: &str, metric: &str| {
        ind["domains"][domain]["districts"]["hai-chau"][metric]["windows"]["1m"].clone()
    };
    assert_eq!(window("traffic", "vehicle_count")["mean"], 42.0);
    assert_eq!(window("environment", "noise_db")["count"], 1);
    assert_eq!(window("public_service", "waiting")["max"], 12.0);
    assert_eq!(
        ind["domains"]["traffic"]["city"]["occupancy_pct"]["windows"]["5m"]["mean"],
        38.0
    );
}

/// Good messages interleaved with one of each kind of malformed message: every bad one is
/// rejected with its reason, every good one lands.
pub async fn malformed_messages_are_rejected_by_reason_while_good_ones_flow(app: &TestApp) {
    let p = app.publisher().await;
    let topic = "city/traffic/hai-chau/tl-0042";
    let good = |i: u32| format!(r#"{{"seq": {i}, "vehicle_count": {i}}}"#);
    p.publish(topic, good(1)).await;
    p.publish(topic, "{\"vehicle_count\": 4").await;
    p.publish(topic, good(2)).await;
    p.publish("city/parking/hai-chau/pk-0001", r#"{"free": 3}"#)
        .await;
    p.publish(topic, r#"{"vehicle_count": "lots"}"#).await;
    p.publish(topic, good(3)).await;
    p.publish(
        topic,
        r#"{"seq": 4, "vehicle_count": 4, "avg_speed_kmh": 900}"#,
    )
    .await;
    p.publish(
        topic,
        format!(
            r#"{{"vehicle_count": 1, "pad": "{}"}}"#,
            "x".repeat(100_000)
        ),
    )
    .await;
    p.publish(topic, b"{\"vehicle_count\": \xff\xfe}".to_vec())
        .await;
    p.publish(topic, good(5)).await;
    p.wait_acked(10).await;

    eventually("the last good message lands", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["last_seq"] == 5
    })
    .await;
    let (_, s) = app.get("/api/v1/sensors/tl-0042").await;
    // 4 good records + the valid half of the partial one: 5 readings.
    assert_eq!(s["readings_received"], 5);
    assert_eq!(s["latest"]["vehicle_count"]["value"], 5.0);

    let (status, body) = app.get("/api/v1/ingest/rejections?limit=50").await;
    assert_eq!(status, 200);
    let reasons: Vec<&str> = body["rejections"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    let mut want = vec![
        "invalid_utf8",
        "payload_too_large",
        "out_of_range",
        "non_numeric_value",
        "unknown_domain",
        "malformed_json",
    ];
    assert_eq!(reasons, want, "newest first");
    let out_of_range = &body["rejections"][2];
    assert_eq!(out_of_range["field"], "avg_speed_kmh");
    assert_eq!(out_of_range["topic"], topic);
    assert!(
        out_of_range["detail"]
            .as_str()
            .is_some_and(|d| d.contains("0..=200")),
        "{out_of_range}"
    );

    let metrics = app.metrics().await;
    want.sort_unstable();
    for reason in want {
        let series = format!("ioc_ingest_rejections_total{{reason=\"{reason}\"}}");
        assert_eq!(
            crate::helpers::metric_value(&metrics, &series),
            1.0,
            "{series}"
        );
    }
    let traffic = |outcome: &str| {
        crate::helpers::metric_value(
            &metrics,
            &format!("ioc_ingest_messages_total{{domain=\"traffic\",outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(
        (traffic("accepted"), traffic("partial"), traffic("rejected")),
        (4.0, 1.0, 4.0)
    );
    assert_eq!(
        crate::helpers::metric_value(
            &metrics,
            "ioc_ingest_messages_total{domain=\"unknown\",outcome=\"rejected\"}"
        ),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_of_all_three_domains_reach_the_api_through_the_embedded_broker() {
    let app = spawn_app(BrokerKind::Embedded).await;
    readings_of_all_three_domains_reach_the_api(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_rejected_while_good_ones_flow_through_the_embedded_broker() {
    let app = spawn_app(BrokerKind::Embedded).await;
    malformed_messages_are_rejected_by_reason_while_good_ones_flow(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_sensor_is_accepted_and_flagged() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    p.publish("city/environment/son-tra/diy-station-7", r#"{"pm25": 12}"#)
        .await;
    eventually("the unregistered sensor is listed", || async {
        app.get("/api/v1/sensors/diy-station-7").await.0 == 200
    })
    .await;
    let (_, s) = app.get("/api/v1/sensors/diy-station-7").await;
    assert_eq!(s["registered"], false);
    assert_eq!(s["district"], "son-tra");
    assert_eq!(s["name"], Value::Null);
    assert_eq!(app.metric("ioc_ingest_unregistered_sensors").await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senml_packs_are_ingested_over_mqtt() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    p.publish(
        "city/environment/hai-chau/wl-0007",
        r#"[{"bn": "urn:dev:wl-0007:", "n": "water_level_cm", "v": 182.5}, {"n": "rainfall_mm", "v": 14.2}]"#,
    )
    .await;
    eventually("SenML values are visible", || async {
        let (_, s) = app.get("/api/v1/sensors/wl-0007").await;
        s["latest"]["water_level_cm"]["value"] == 182.5
            && s["latest"]["rainfall_mm"]["value"] == 14.2
    })
    .await;
}
