//! Import matches live: one day of three sensors, once published through the embedded broker
//! and once loaded with `ioc import` (the real binary) into a fresh store, read back through
//! the same API: the rollups, the indicator history and the reports are the same. The import
//! also ends with the rejections by reason, and fires no alert.

use serde_json::Value;

use crate::helpers::{eventually, spawn_app, spawn_app_in, BrokerKind, TestApp};

const MIN: i64 = 60_000;
const H: i64 = 60 * MIN;
const DAY: i64 = 24 * H;
const VN: i64 = 7 * H;

/// Yesterday's local midnight and date.
fn yesterday() -> (i64, String) {
    let now = ioc::shell::now_ms();
    let midnight = ((now + VN).div_euclid(DAY) - 1) * DAY - VN;
    let zone = ioc::model::Zone::named("Asia/Ho_Chi_Minh").expect("zone");
    (midnight, zone.date_of(midnight))
}

/// A day every 10 minutes for an air station, a road and a service centre, values varying by
/// the hour, with a malformed message, an out-of-range value and a duplicate among them.
fn day_of_messages(day: i64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..144i64 {
        let ts = day + i * 10 * MIN + 30_000;
        let h = i / 6;
        out.push((
            "city/environment/hai-van/aq-0001".into(),
            format!(
                r#"{{"ts":{ts},"pm25":{},"pm10":{},"o3":{}}}"#,
                20 + (h * 7) % 40,
                40 + (i * 13) % 50,
                30 + (h * 11) % 120
            ),
        ));
        out.push((
            "city/traffic/hai-van/tl-0001".into(),
            format!(
                r#"{{"ts":{ts},"vehicle_count":{},"avg_speed_kmh":{}}}"#,
                50 + (h * 37) % 400,
                15 + (i * 7) % 45
            ),
        ));
        if (8..17).contains(&h) {
            out.push((
                "city/public_service/hai-van/qs-0001".into(),
                format!(
                    r#"{{"ts":{ts},"served_last_5m":{},"avg_wait_s":{},"waiting":{}}}"#,
                    5 + i % 7,
                    300 + (i * 53) % 1200,
                    h
                ),
            ));
        }
    }
    out.push((
        "city/environment/hai-van/aq-0001".into(),
        "{not json".into(),
    ));
    out.push((
        "city/environment/hai-van/aq-0001".into(),
        format!(r#"{{"ts":{},"pm25":-3}}"#, day + 5 * MIN),
    ));
    out.push(out[10].clone());
    out
}

/// The messages as `ioc-sim record` writes them, received half a second after their time (the
/// malformed one at the end of the day).
fn recording(messages: &[(String, String)], day: i64) -> String {
    messages
        .iter()
        .map(|(topic, payload)| {
            let ts = serde_json::from_str::<Value>(payload)
                .ok()
                .and_then(|p| p["ts"].as_i64())
                .unwrap_or(day + DAY);
            serde_json::json!({"at_ms": ts + 500, "topic": topic, "payload": payload}).to_string()
                + "\n"
        })
        .collect()
}

/// What both stores are asked: rollups at both resolutions, indicator history, reports.
fn queries(day: i64, date: &str) -> Vec<String> {
    let span = format!("from={day}&to={}", day + DAY);
    let mut q = Vec::new();
    for (sensor, metrics) in [
        ("aq-0001", &["pm25", "pm10", "o3"][..]),
        ("tl-0001", &["vehicle_count", "avg_speed_kmh"][..]),
        ("qs-0001", &["served_last_5m", "avg_wait_s", "waiting"][..]),
    ] {
        for m in metrics {
            q.push(format!(
                "/api/v1/series?metric={m}&sensor={sensor}&{span}&step=1h&agg=mean"
            ));
            q.push(format!(
                "/api/v1/series?metric={m}&sensor={sensor}&{span}&step=1m&agg=max"
            ));
        }
    }
    for (indicator, scope) in [
        ("vn_aqi_hourly", "sensor=aq-0001"),
        ("vn_aqi_daily", "sensor=aq-0001"),
        ("epa_aqi", "district=hai-van"),
        ("congestion_index", "sensor=tl-0001"),
        ("flow_vph", "district=hai-van"),
        ("queue_wait_s", "sensor=qs-0001"),
        ("sla_share", "district=hai-van"),
        ("completeness", "district=hai-van"),
    ] {
        let step = if indicator == "vn_aqi_daily" {
            "1d"
        } else {
            "1h"
        };
        q.push(format!(
            "/api/v1/series?indicator={indicator}&{scope}&{span}&step={step}"
        ));
    }
    for kind in ["air", "traffic", "public_service", "data_quality"] {
        q.push(format!(
            "/api/v1/reports/{kind}?date={date}&district=hai-van"
        ));
    }
    q
}

async fn answers(app: &TestApp, queries: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for q in queries {
        let (status, body) = app.get(q).await;
        assert_eq!(status, 200, "{q}: {body}");
        // A report says when it was made, and an indicator when its hours were revised (the
        // day came late both ways, at different times); the figures are what must match.
        let mut figures = body.get("rows").cloned().unwrap_or(body);
        if let Some(revised) = figures.as_object_mut().and_then(|o| o.remove("revised")) {
            assert!(
                revised.as_array().is_some_and(|r| !r.is_empty()),
                "{q}: {revised}"
            );
        }
        out.push(figures);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_a_recorded_day_gives_what_live_ingest_of_it_gives() {
    let (day, date) = yesterday();
    let messages = day_of_messages(day);
    let queries = queries(day, &date);

    let live = spawn_app(BrokerKind::Embedded).await;
    let p = live.publisher().await;
    for (topic, payload) in &messages {
        p.publish(topic, payload.clone()).await;
    }
    p.wait_acked(messages.len()).await;
    let stored = format!(
        "/api/v1/series?metric=pm25&sensor=aq-0001&from={day}&to={}&step=1d&agg=count",
        day + DAY
    );
    eventually("the live app stored the day", || async {
        live.get(&stored).await.1["points"] == serde_json::json!([[day, 144.0]])
    })
    .await;
    let from_live = answers(&live, &queries).await;

    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let file = dir.path().join("day.jsonl");
    std::fs::write(&file, recording(&messages, day)).expect("write the recording");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env("IOC__STORE__PATH", dir.path().join("ioc.db"))
        .env("IOC__LOG__FILTER", "error")
        .args(["import", "--quiet"])
        .arg(&file)
        .output()
        .expect("run ioc import");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("malformed_json: 1 (first: "), "{stdout}");
    assert!(stdout.contains("out_of_range: 1 (first: "), "{stdout}");
    assert!(
        stdout.contains("day.jsonl:343: "),
        "a rejection names its line: {stdout}"
    );

    let imported = spawn_app_in(dir.clone(), BrokerKind::Embedded, &[]).await;
    let from_import = answers(&imported, &queries).await;
    for ((q, a), b) in queries.iter().zip(&from_live).zip(&from_import) {
        assert_eq!(a, b, "{q} differs between live ingest and import");
    }
    let points = from_live[0]["points"].as_array().map_or(0, Vec::len);
    assert_eq!(
        points, 24,
        "the comparison covers the day: {}",
        from_live[0]
    );
    let (_, alerts) = imported.get("/api/v1/alerts").await;
    assert_eq!(
        alerts["alerts"],
        serde_json::json!([]),
        "an import fires no alert: {alerts}"
    );

    // Run again: the file is known and nothing is stored twice.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env("IOC__STORE__PATH", dir.path().join("ioc.db"))
        .args(["import", "--quiet"])
        .arg(&file)
        .output()
        .expect("run ioc import");
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        !again.status.success(),
        "the store is open in the running app: {text}"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("in use by another ioc process"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_reading_marks_its_hour_revised_and_current_data_does_not() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let now = ioc::shell::now_ms();
    let hour = now.div_euclid(H) * H;
    let p = app.publisher().await;
    p.publish(
        "city/traffic/hai-van/tl-0001",
        format!(r#"{{"ts":{now},"vehicle_count":5,"avg_speed_kmh":30}}"#),
    )
    .await;
    p.wait_acked(1).await;
    let q = format!(
        "/api/v1/series?indicator=flow_vph&sensor=tl-0001&from={}&to={}&step=1h",
        hour - 3 * H,
        hour + H
    );
    eventually("the current hour is stored", || async {
        app.get(&q).await.1["points"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    })
    .await;
    let (_, body) = app.get(&q).await;
    assert!(
        body.get("revised").is_none(),
        "live data of the current hour revises nothing: {body}"
    );

    let late = hour - 2 * H + 60_000;
    let before = ioc::shell::now_ms();
    p.publish(
        "city/traffic/hai-van/tl-0001",
        format!(r#"{{"ts":{late},"vehicle_count":7,"avg_speed_kmh":30}}"#),
    )
    .await;
    p.wait_acked(2).await;
    eventually("the late hour is marked revised", || async {
        let (_, body) = app.get(&q).await;
        body["revised"].as_array().is_some_and(|r| {
            r.len() == 1 && r[0][0] == hour - 2 * H && r[0][1].as_i64().is_some_and(|t| t >= before)
        })
    })
    .await;
}
