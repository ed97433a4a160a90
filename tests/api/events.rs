//! Events from citizens and cameras over MQTT (the embedded broker) and HTTP: validated with
//! reasons, stored once per id, shown without the reporter's contact to anyone but operators
//! and admins, and turned into incidents by rules (two flooding detections within ten minutes
//! in one district open a flood incident with its procedure; later ones join it).

use serde_json::{json, Value};

use crate::helpers::{client_with_token, eventually, spawn_app, BrokerKind, TestApp};

async fn post(http: &reqwest::Client, app: &TestApp, body: &Value) -> (u16, Value) {
    let res = http
        .post(app.url("/api/v1/events"))
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn report(id: &str) -> Value {
    json!({"id": id, "kind": "citizen_report", "category": "pothole", "district": "hai-chau",
           "lat": 16.0678, "lon": 108.2208, "description": "Ổ gà lớn trước số 12 Lê Duẩn",
           "photo_url": "https://phananh.danang.gov.vn/p/1.jpg",
           "contact": {"name": "Nguyễn Văn An", "phone": "0905123456"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_posted_twice_is_stored_once_and_bad_ones_say_why() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let operator = client_with_token(&app.create_key("operator", &[]).await);
    let (s, first) = post(&operator, &app, &report("r-1")).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["contact"]["phone"], "0905123456");
    let incident = first["incident"]
        .as_i64()
        .expect("a citizen report opens an incident");
    let (s, again) = post(&operator, &app, &report("r-1")).await;
    assert_eq!(
        (s, again["duplicate"].as_bool()),
        (200, Some(true)),
        "{again}"
    );
    assert_eq!(again["event"]["incident"].as_i64(), Some(incident));
    assert_eq!(app.get("/api/v1/events").await.1["count"], 1, "stored once");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(
        (inc["category"].as_str(), inc["events"].clone()),
        (Some("road_damage"), json!(["r-1"]))
    );

    let mut bad = report("r-2");
    bad["lat"] = json!("north");
    let (s, v) = post(&operator, &app, &bad).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("invalid_event")), "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("invalid_field: `lat`"),
        "{v}"
    );
    bad = report("r-3");
    bad["district"] = json!("atlantis");
    let (s, v) = post(&operator, &app, &bad).await;
    assert!(
        s == 400
            && v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("unknown_district"),
        "{v}"
    );

    let viewer = client_with_token(&app.create_key("viewer", &[]).await);
    assert_eq!(
        post(&viewer, &app, &report("r-4")).await.0,
        403,
        "a viewer does not report"
    );
    let res = viewer
        .get(app.url("/api/v1/events/r-1"))
        .send()
        .await
        .expect("get");
    let seen: Value = res.json().await.expect("json");
    assert!(
        seen["contact"].is_null(),
        "the contact is private to operators: {seen}"
    );
    assert_eq!(seen["description"], "Ổ gà lớn trước số 12 Lê Duẩn");
    let son_tra = client_with_token(&app.create_key("operator", &["district:son-tra"]).await);
    assert_eq!(
        post(&son_tra, &app, &report("r-5")).await.0,
        403,
        "outside the key's districts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_camera_flood_detections_over_mqtt_open_a_flood_incident_and_later_ones_join_it() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let detection = |id: &str, confidence: f64| {
        json!({"id": id, "kind": "camera", "class": "flooding", "confidence": confidence,
               "lat": 16.07, "lon": 108.22, "snapshot_url": "https://cam.danang.gov.vn/17/1.jpg"})
        .to_string()
    };
    let topic = "city/events/hai-chau/cam-17";
    p.publish(topic, detection("cam-17-1", 0.9)).await;
    p.publish(topic, detection("cam-17-low", 0.3)).await;
    p.publish(
        topic,
        r#"{"id": "cam-17-bad", "kind": "camera", "class": "flooding"}"#,
    )
    .await;
    eventually(
        "the first detection is stored, alone in its window",
        || async { app.get("/api/v1/events?kind=camera").await.1["count"] == 2 },
    )
    .await;
    assert_eq!(
        app.get("/api/v1/incidents").await.1["count"],
        0,
        "one detection is not enough"
    );
    p.publish(topic, detection("cam-17-2", 0.8)).await;
    p.publish(topic, detection("cam-17-2", 0.8)).await;
    eventually("the second detection opens a flood incident", || async {
        app.get("/api/v1/incidents?category=flood").await.1["count"] == 1
    })
    .await;
    let (_, list) = app.get("/api/v1/incidents?category=flood").await;
    let id = list["incidents"][0]["id"].as_i64().expect("id");
    p.publish(topic, detection("cam-17-3", 0.95)).await;
    eventually("a later detection joins it", || async {
        let (_, inc) = app.get(&format!("/api/v1/incidents/{id}")).await;
        inc["events"] == json!(["cam-17-2", "cam-17-1", "cam-17-3"])
    })
    .await;
    let (_, inc) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(
        (inc["district"].as_str(), inc["severity"].as_str()),
        (Some("hai-chau"), Some("major"))
    );
    assert!(
        inc["checklist"].as_array().is_some_and(|c| !c.is_empty()),
        "with the flood procedure"
    );
    assert_eq!(
        app.get("/api/v1/events?kind=camera").await.1["count"],
        4,
        "a repeated id is stored once"
    );
    let m = app.metrics().await;
    let count = |result: &str| {
        crate::helpers::metric_value(
            &m,
            &format!(r#"ioc_events_received_total{{result="{result}",via="mqtt"}}"#),
        )
    };
    assert_eq!(
        (count("stored"), count("duplicate"), count("missing_field")),
        (4.0, 1.0, 1.0),
        "{m}"
    );
    let (_, rejected) = app.get("/api/v1/ingest/rejections").await;
    assert_eq!(
        rejected["count"].as_u64().unwrap_or(0),
        0,
        "events are not rejected readings: {rejected}"
    );
}
