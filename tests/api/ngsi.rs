//! NGSI-LD for the province's platform: every entity type, in both representations, validated
//! against the official Smart Data Models JSON Schemas (vendored under tests/ngsi/schemas,
//! checked by tests/ngsi/validate.py with the jsonschema that pysmartdatamodels installs;
//! scripts/test.sh makes the venv and sets IOC_TEST_PYTHON). Also: q filters, the temporal
//! form, the Link header, and a department key that sees only its districts.

use serde_json::Value;

use crate::helpers::{client_with_token, eventually, spawn_app, BrokerKind, TestApp};

const CITY: &str = "da-nang-demo";
const TYPES: [&str; 4] = [
    "AirQualityObserved",
    "TrafficFlowObserved",
    "FloodMonitoring",
    "QueueMonitor",
];

async fn publish_now(app: &TestApp) {
    let now = ioc::shell::now_ms();
    let p = app.publisher().await;
    let messages = [
        (
            "city/environment/hai-van/aq-0001",
            format!(
                r#"{{"ts":{},"pm25":20,"pm10":40,"no2":30,"o3":60,"so2":10,"co":900,"temperature_c":28.5,"humidity_pct":70}}"#,
                now - 120_000
            ),
        ),
        (
            "city/environment/hai-van/aq-0001",
            format!(r#"{{"ts":{},"pm25":25}}"#, now - 60_000),
        ),
        (
            "city/environment/hai-van/aq-0001",
            format!(r#"{{"ts":{now},"pm25":150}}"#),
        ),
        (
            "city/environment/son-tra/aq-0025",
            format!(r#"{{"ts":{now},"pm25":300,"pm10":80}}"#),
        ),
        (
            "city/traffic/hai-van/tl-0001",
            format!(r#"{{"ts":{now},"vehicle_count":14,"avg_speed_kmh":32.5,"occupancy_pct":41}}"#),
        ),
        (
            "city/traffic/son-tra/tl-0049",
            format!(r#"{{"ts":{now},"vehicle_count":3,"avg_speed_kmh":50,"occupancy_pct":5}}"#),
        ),
        (
            "city/environment/hai-van/wl-0001",
            format!(r#"{{"ts":{now},"water_level_cm":-20,"rainfall_mm":4.5}}"#),
        ),
        (
            "city/environment/son-tra/wl-0009",
            format!(r#"{{"ts":{now},"water_level_cm":260,"rainfall_mm":40}}"#),
        ),
        (
            "city/public_service/hai-van/qs-0001",
            format!(
                r#"{{"ts":{now},"waiting":12,"served_last_5m":6,"avg_wait_s":540,"counters_open":3}}"#
            ),
        ),
        (
            "city/public_service/son-tra/qs-0017",
            format!(
                r#"{{"ts":{now},"waiting":0,"served_last_5m":0,"avg_wait_s":0,"counters_open":0}}"#
            ),
        ),
    ];
    for (topic, payload) in &messages {
        p.publish(topic, payload.clone()).await;
    }
    p.wait_acked(messages.len()).await;
    eventually("the live state has the newest pm25", || async {
        let (_, s) = app.get("/api/v1/sensors/aq-0001").await;
        s["latest"]["pm25"]["value"] == 150.0
    })
    .await;
}

/// Runs the vendored validator on `entities`; panics with its report when one is invalid.
fn validate(entities: &[Value], normalized: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("entities.json");
    std::fs::write(&file, Value::Array(entities.to_vec()).to_string()).expect("write");
    let python = std::env::var("IOC_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ngsi/validate.py"
    ));
    if normalized {
        cmd.arg("--normalized");
    }
    let out = cmd.arg(&file).output().unwrap_or_else(|e| {
        panic!("cannot run {python} (scripts/test.sh makes a venv with pysmartdatamodels and sets IOC_TEST_PYTHON): {e}")
    });
    assert!(
        out.status.success(),
        "the Smart Data Models schemas refuse what ioc serves ({python}):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn get_ld(http: &reqwest::Client, url: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = http
        .get(url)
        .header("Accept", "application/ld+json")
        .send()
        .await
        .expect("request");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.expect("json"), headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_entity_type_validates_against_the_official_schemas_in_both_forms() {
    let app = spawn_app(BrokerKind::Embedded).await;
    publish_now(&app).await;
    let (mut key_values, mut normalized) = (Vec::new(), Vec::new());
    for t in TYPES {
        for (options, into) in [
            ("keyValues", &mut key_values),
            ("normalized", &mut normalized),
        ] {
            let url = app.url(&format!(
                "/ngsi-ld/v1/entities?type={t}&options={options}&limit=1000&count=true"
            ));
            let (status, body, headers) = get_ld(&app.http, &url).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(headers["content-type"], "application/ld+json");
            let list = body.as_array().expect("an array").clone();
            let count: usize = headers["ngsild-results-count"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("count");
            assert_eq!(count, list.len(), "{t}");
            assert!(list.len() >= 2, "{t}: {body}");
            assert!(
                list.iter()
                    .all(|e| e["type"] == t && e["@context"].is_array()),
                "{body}"
            );
            into.extend(list);
        }
    }
    validate(&key_values, false);
    validate(&normalized, true);

    let aq = |id: &str| {
        key_values
            .iter()
            .find(|e| e["id"] == format!("urn:ngsi-ld:AirQualityObserved:{CITY}:{id}"))
            .cloned()
            .expect("entity")
    };
    assert_eq!(aq("aq-0001")["pm25"], 150.0);
    assert_eq!(aq("aq-0001")["relativeHumidity"], 0.7);
    let flood = key_values
        .iter()
        .find(|e| e["id"] == format!("urn:ngsi-ld:FloodMonitoring:{CITY}:wl-0009"))
        .expect("gauge");
    assert_eq!(
        (
            flood["floodLevelStatus"].as_str(),
            flood["currentLevel"].as_f64()
        ),
        (Some("LevelIII"), Some(2.6))
    );

    // q: only the stations over 100 µg/m³ of PM2.5.
    let (_, hot, _) = get_ld(
        &app.http,
        &app.url("/ngsi-ld/v1/entities?type=AirQualityObserved&options=keyValues&q=pm25>100"),
    )
    .await;
    let ids: Vec<&str> = hot
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            format!("urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0001"),
            format!("urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0025")
        ]
    );

    // One entity; without JSON-LD the context is in a Link header.
    let id = format!("urn:ngsi-ld:QueueMonitor:{CITY}:qs-0001");
    let r = app
        .http
        .get(app.url(&format!("/ngsi-ld/v1/entities/{id}?options=keyValues")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let link = r.headers()["link"].to_str().expect("ascii").to_owned();
    assert!(
        link.contains("dataModel.QueueManagement") && link.contains("json-ld#context"),
        "{link}"
    );
    let e: Value = r.json().await.expect("json");
    assert_eq!(
        (e["ticketsToServe"].as_i64(), e["serviceStatus"].as_str()),
        (Some(12), Some("Open"))
    );
    assert!(e.get("@context").is_none());

    // The temporal form: aq-0001's PM2.5 over the last hour, and only the newest two.
    let t = format!("/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0001");
    let from = jiff::Timestamp::from_millisecond(ioc::shell::now_ms() - 3_600_000).expect("time");
    let (status, body, _) = get_ld(
        &app.http,
        &app.url(&format!("{t}?timerel=after&timeAt={from}")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let values: Vec<f64> = body["pm25"]
        .as_array()
        .expect("instances")
        .iter()
        .filter_map(|i| i["value"].as_f64())
        .collect();
    assert_eq!(values, [20.0, 25.0, 150.0], "{body}");
    let (_, body, _) = get_ld(
        &app.http,
        &app.url(&format!(
            "{t}?timerel=after&timeAt={from}&lastN=2&options=temporalValues"
        )),
    )
    .await;
    assert_eq!(
        body["pm25"]["values"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );

    // Refusals are NGSI-LD problems with a reason.
    for (url, status, kind) in [
        ("/ngsi-ld/v1/entities", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=Building", 400, "BadRequestData"),
        (
            "/ngsi-ld/v1/entities?type=QueueMonitor&q=waiting",
            400,
            "InvalidRequest",
        ),
        (
            "/ngsi-ld/v1/entities/urn:ngsi-ld:QueueMonitor:elsewhere:qs-0001",
            404,
            "ResourceNotFound",
        ),
        (
            &*format!("{t}?timerel=between&timeAt={from}"),
            400,
            "BadRequestData",
        ),
    ] {
        let (s, body) = app.get(url).await;
        assert_eq!(s, status, "{url}: {body}");
        assert!(
            body["type"].as_str().is_some_and(|k| k.ends_with(kind)),
            "{url}: {body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_key_sees_only_its_districts_in_every_ngsi_answer() {
    let app = spawn_app(BrokerKind::Embedded).await;
    publish_now(&app).await;
    let token = app.create_key("department", &["district:hai-van"]).await;
    let dept = client_with_token(&token);
    for t in TYPES {
        let url = app.url(&format!(
            "/ngsi-ld/v1/entities?type={t}&options=keyValues&limit=1000"
        ));
        let (status, body, _) = get_ld(&dept, &url).await;
        assert_eq!(status, 200, "{body}");
        let list = body.as_array().expect("array");
        assert!(!list.is_empty(), "{t}");
        for e in list {
            let id = e["id"].as_str().expect("id");
            assert_eq!(
                e["areaServed"], "Hải Vân",
                "{id} is outside the key's district"
            );
        }
    }
    for path in [
        format!("/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0025"),
        format!("/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0025"),
    ] {
        let r = dept.get(app.url(&path)).send().await.expect("get");
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = dept
        .get(app.url(&format!(
            "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:{CITY}:aq-0001"
        )))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
}
