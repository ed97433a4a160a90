//! A scenario through MQTT: a pollution episode in one district and a traffic jam in another
//! produce the expected indicators and KPI in the API.

use crate::helpers::{eventually, spawn_app, BrokerKind};

const HOUR: i64 = 3_600_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pollution_episode_and_a_traffic_jam_show_in_indicators_and_kpi() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    let mut sent = 0;
    // Twelve hours of PM2.5 at every air station of two districts: heavy in hai-chau, light in son-tra.
    for (stations, pm25) in [(19..=24, 180.0), (25..=30, 20.0)] {
        let district = if pm25 > 100.0 { "hai-chau" } else { "son-tra" };
        for n in stations {
            let batch: Vec<String> = (0..12)
                .map(|k| {
                    format!(
                        r#"{{"ts": {}, "pm25": {pm25}, "pm10": 60}}"#,
                        now - k * HOUR
                    )
                })
                .collect();
            p.publish(
                &format!("city/environment/{district}/aq-{n:04}"),
                format!("[{}]", batch.join(",")),
            )
            .await;
            sent += 1;
        }
    }
    // Son-tra's roads crawl at 8 km/h; hai-chau's flow at 45 km/h.
    for (roads, district, speed) in [(49..=60, "son-tra", 8.0), (37..=48, "hai-chau", 45.0)] {
        for n in roads {
            p.publish(&format!("city/traffic/{district}/tl-{n:04}"), format!(r#"{{"ts": {now}, "vehicle_count": 12, "avg_speed_kmh": {speed}, "occupancy_pct": 60}}"#)).await;
            sent += 1;
        }
    }
    p.wait_acked(sent).await;
    eventually("every reading is applied", || async {
        app.metric(r#"ioc_store_readings_total{result="stored"}"#)
            .await
            == (12.0 * 12.0 * 2.0) + 24.0 * 3.0
    })
    .await;
    // The live state takes a stored batch a moment after the store counts it.
    eventually("every sensor is live", || async {
        app.get("/api/v1/kpi").await.1["sensors"]["online"] == 36
    })
    .await;

    let (status, env) = app.get("/api/v1/indicators/environment").await;
    assert_eq!(status, 200, "{env}");
    let hai_chau = &env["environment"]["districts"]["hai-chau"]["vn_aqi"];
    assert_eq!(
        hai_chau["aqi"], 230,
        "NowCast 180 µg/m³ → 200 + 30/100 × 100: {hai_chau}"
    );
    assert_eq!(
        (hai_chau["category"].as_str(), hai_chau["label_vi"].as_str()),
        (Some("very_bad"), Some("Rất xấu"))
    );
    assert_eq!(hai_chau["dominant"], "pm25");
    assert_eq!(
        env["environment"]["districts"]["son-tra"]["vn_aqi"]["aqi"], 55,
        "PM10 60 µg/m³ (55) beats PM2.5 20 µg/m³ (40): {}",
        env["environment"]["districts"]
    );
    let station = env["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["id"] == "aq-0019")
        .expect("aq-0019")
        .clone();
    assert_eq!(station["vn_aqi_daily"]["aqi"], 230);
    assert!(
        station["epa_aqi"]["aqi"].as_u64().is_some_and(|a| a > 200),
        "{station}"
    );

    let (_, traffic) = app.get("/api/v1/indicators/traffic?district=son-tra").await;
    let son_tra = &traffic["traffic"]["districts"]["son-tra"];
    assert_eq!(son_tra["level"], "jammed", "{son_tra}");
    assert_eq!(
        (
            son_tra["sensors"].as_u64(),
            son_tra["congested_sensors"].as_u64()
        ),
        (Some(12), Some(12))
    );
    assert!(
        traffic["roads"]
            .as_array()
            .expect("roads")
            .iter()
            .all(|r| r["district"] == "son-tra"),
        "narrowed to the district"
    );
    assert_eq!(
        traffic["roads"][0]["flow_vph"],
        12.0 * 240.0,
        "12 vehicles per 15-s report"
    );

    let (_, kpi) = app.get("/api/v1/kpi").await;
    assert_eq!(kpi["worst_aqi_district"]["district"], "hai-chau", "{kpi}");
    assert_eq!(kpi["worst_aqi_district"]["name"], "Hải Châu");
    assert_eq!(kpi["worst_aqi_district"]["color"], "#8f3f97");
    assert_eq!(
        kpi["congested_share"], 0.5,
        "12 of 24 reporting roads are heavy or jammed"
    );
    assert_eq!(kpi["sensors"]["online"], 36);
    assert!(kpi["as_of"].as_i64().is_some_and(|t| t >= now));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_indicators_estimate_the_wait_and_the_sla() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    // qs-0013 (target 900 s unless it is a hospital): 30 served within target, then 10 beyond it.
    let records = [
        format!(
            r#"{{"ts": {}, "waiting": 8, "served_last_5m": 30, "avg_wait_s": 600, "counters_open": 3}}"#,
            now - 600_000
        ),
        format!(
            r#"{{"ts": {now}, "waiting": 20, "served_last_5m": 10, "avg_wait_s": 5000, "counters_open": 2}}"#
        ),
    ];
    p.publish(
        "city/public_service/hai-chau/qs-0013",
        format!("[{}]", records.join(",")),
    )
    .await;
    p.wait_acked(1).await;
    eventually("the centre is visible", || async {
        app.get("/api/v1/indicators/public_service").await.1["centres"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    })
    .await;
    let (_, q) = app
        .get("/api/v1/indicators/public_service?district=hai-chau")
        .await;
    let centre = &q["centres"][0];
    assert_eq!(centre["id"], "qs-0013");
    assert_eq!(
        (centre["waiting"].as_f64(), centre["counters_open"].as_f64()),
        (Some(20.0), Some(2.0))
    );
    assert_eq!(
        centre["est_wait_newcomer_s"], 600.0,
        "20 people at 10 per 5 minutes"
    );
    assert_eq!(centre["sla"], 0.75, "30 of 40 served within the target");
    assert_eq!(q["public_service"]["city"]["sla"], 0.75);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensor_health_counts_status_completeness_and_seq_gaps() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    for seq in [1, 2, 5, 4] {
        p.publish(
            "city/traffic/hai-chau/tl-0042",
            format!(r#"{{"seq": {seq}, "vehicle_count": 1}}"#),
        )
        .await;
    }
    p.wait_acked(4).await;
    eventually("the readings land", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["readings_received"] == 4
    })
    .await;
    // Indicators answer from the latest snapshot, at most one tick (250 ms) behind.
    eventually("the snapshot counts the four readings", || async {
        let h = app.get("/api/v1/sensor-health?domain=traffic").await.1;
        h["domains"]["traffic"]["districts"]["hai-chau"]["seq_repeats"] == 1
    })
    .await;
    let (status, h) = app.get("/api/v1/sensor-health?domain=traffic").await;
    assert_eq!(status, 200, "{h}");
    let d = &h["domains"]["traffic"]["districts"]["hai-chau"];
    assert_eq!(
        (d["online"].as_u64(), d["never_seen"].as_u64()),
        (Some(1), Some(11))
    );
    assert_eq!(
        (d["seq_gaps"].as_u64(), d["seq_repeats"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        d["completeness"]
            .as_f64()
            .is_some_and(|c| c > 0.0 && c < 1.0),
        "{d}"
    );
    let (status, body) = app.get("/api/v1/indicators/parking").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown_domain"))
    );
}
