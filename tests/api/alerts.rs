//! Alerts end to end: readings over MQTT raise alerts from sensor readings and from district
//! indicators; an operator acknowledges one; the KPI counts them; they survive a restart.

use serde_json::Value;

use crate::helpers::{eventually, spawn_app_with_rules, TestApp, PM25_STATION_RULE};

/// Rules without durations, so the test need not wait minutes: the station rule, and
/// this one for districts.
const DISTRICT_RULE: &str = r#"
[[rules]]
id = "aqi-district"
description = "VN_AQI very bad in a district"
signal = "vn_aqi"
severity = "critical"
scope = { domain = "environment", level = "district" }
kind = "threshold"
direction = "above"
raise = 201
clear = 180

[[rules]]
id = "jam-district"
description = "District congestion index above 0.7"
signal = "congestion_index"
severity = "minor"
scope = { domain = "traffic", level = "district" }
kind = "threshold"
direction = "above"
raise = 0.7
clear = 0.55
"#;

async fn start(dir: std::sync::Arc<tempfile::TempDir>) -> TestApp {
    let rules = format!("{PM25_STATION_RULE}\n{DISTRICT_RULE}");
    spawn_app_with_rules(
        dir,
        &rules,
        &[("IOC__INDICATORS__ALERT_EVAL_INTERVAL_S", "1")],
    )
    .await
}

fn alerts_of(body: &Value, rule: &str) -> Vec<Value> {
    body["alerts"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["rule_id"] == rule).cloned().collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pollution_episode_and_a_jam_raise_alerts_that_an_operator_acknowledges() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = start(dir.clone()).await;
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    let hour = 3_600_000;
    for n in 19..=24 {
        let batch: Vec<String> = (0..3)
            .map(|k| format!(r#"{{"ts": {}, "pm25": 180}}"#, now - k * hour))
            .collect();
        p.publish(
            &format!("city/environment/hai-chau/aq-{n:04}"),
            format!("[{}]", batch.join(",")),
        )
        .await;
    }
    for n in 49..=60 {
        p.publish(
            &format!("city/traffic/son-tra/tl-{n:04}"),
            format!(r#"{{"ts": {now}, "avg_speed_kmh": 5, "vehicle_count": 3}}"#),
        )
        .await;
    }
    p.wait_acked(18).await;

    eventually("the district alerts fire", || async {
        let (_, body) = app.get("/api/v1/alerts?state=firing").await;
        !alerts_of(&body, "aqi-district").is_empty() && !alerts_of(&body, "jam-district").is_empty()
    })
    .await;
    let (_, firing) = app.get("/api/v1/alerts?state=firing").await;
    let stations = alerts_of(&firing, "pm25-station");
    assert_eq!(
        stations.len(),
        6,
        "one alert per station, not one per reading: {firing}"
    );
    let aqi = &alerts_of(&firing, "aqi-district")[0];
    assert_eq!(
        (aqi["subject"].as_str(), aqi["severity"].as_str()),
        (Some("district:hai-chau"), Some("critical"))
    );
    assert_eq!(
        alerts_of(&firing, "jam-district")[0]["subject"],
        "district:son-tra"
    );

    let (_, kpi) = app.get("/api/v1/kpi").await;
    assert_eq!(
        (
            kpi["open_alerts"]["critical"].as_u64(),
            kpi["open_alerts"]["major"].as_u64(),
            kpi["open_alerts"]["minor"].as_u64()
        ),
        (Some(1), Some(6), Some(1)),
        "{kpi}"
    );

    let id = aqi["id"].as_i64().expect("id");
    assert_eq!(
        app.ack(
            id,
            serde_json::json!({"by": "lan.nguyen", "comment": "checking the stations"})
        )
        .await,
        200
    );
    assert_eq!(app.ack(id, serde_json::json!({"by": "minh"})).await, 409);
    let (_, detail) = app.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(detail["state"], "acknowledged");
    assert_eq!(detail["acknowledged"]["by"], "bootstrap (lan.nguyen)");
    assert!(
        detail["history"].as_array().is_some_and(|h| h.len() >= 2),
        "{detail}"
    );

    // Alerts survive a restart: the same alert, still acknowledged, no duplicate.
    app.stop().await.expect("stop");
    let app = start(dir).await;
    let (_, all) = app.get("/api/v1/alerts").await;
    let aqi_alerts = alerts_of(&all, "aqi-district");
    assert_eq!(aqi_alerts.len(), 1, "{all}");
    assert_eq!(
        (
            aqi_alerts[0]["id"].as_i64(),
            aqi_alerts[0]["state"].as_str()
        ),
        (Some(id), Some("acknowledged"))
    );
}
