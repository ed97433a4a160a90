//! The embedded store end to end: restart, history API, and a SIGKILL in mid-stream.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use crate::helpers::{
    eventually, free_port, metric_value, spawn_app, spawn_app_in, BrokerKind, Mosquitto, Publisher,
};

const MIN: i64 = 60_000;

fn now_ms() -> i64 {
    ioc::shell::now_ms()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_survive_a_restart_and_history_is_served_from_the_store() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let start = (now_ms() / 3_600_000 - 2) * 3_600_000; // two whole hours ago
    let p = app.publisher().await;
    for i in 0..120 {
        let payload = format!(
            r#"{{"ts": {}, "vehicle_count": {}, "avg_speed_kmh": {}}}"#,
            start + i * MIN,
            i,
            30 + i % 10
        );
        p.publish("city/traffic/hai-chau/tl-0042", payload).await;
    }
    p.publish(
        "city/traffic/hai-chau/tl-0043",
        format!(r#"{{"ts": {start}, "avg_speed_kmh": 50}}"#),
    )
    .await;
    p.wait_acked(121).await;
    eventually("all readings are stored", || async {
        app.metric(r#"ioc_store_readings_total{result="stored"}"#)
            .await
            == 241.0
    })
    .await;
    let dir = app.dir.clone();
    app.stop().await.expect("clean stop");

    let app = spawn_app_in(dir, BrokerKind::Embedded, &[]).await;
    let url = format!(
        "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={start}&to={}&step=1h&agg=sum",
        start + 2 * 3_600_000
    );
    let (status, body) = app.get(&url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "rollup_1h");
    assert_eq!(body["unit"], "vehicles");
    let sums: Vec<f64> = body["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p[1].as_f64().expect("value"))
        .collect();
    assert_eq!(
        sums,
        [(0..60).sum::<i64>() as f64, (60..120).sum::<i64>() as f64]
    );

    let (_, body) = app.get(&format!("/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={start}&to={}&step=30s&agg=last", start + 10 * MIN)).await;
    assert_eq!(body["source"], "raw");
    assert_eq!(body["points"].as_array().map(Vec::len), Some(10));

    let (_, body) = app.get(&format!("/api/v1/series?domain=traffic&district=hai-chau&metric=avg_speed_kmh&from={start}&to={}&step=1m", start + MIN)).await;
    assert_eq!(
        body["points"][0][1], 40.0,
        "mean of 30 (tl-0042) and 50 (tl-0043)"
    );

    let csv = app
        .http
        .get(app.url(&format!(
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={start}&to={}&step=1m",
            start + 3 * MIN
        )))
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.expect("text");
    let local = |t| {
        ioc::model::Zone::named("Asia/Ho_Chi_Minh")
            .expect("zone")
            .format(t)
    };
    assert_eq!(
        text,
        format!(
            "timestamp_ms,value,time\n{},0,{}\n{},1,{}\n{},2,{}\n",
            start,
            local(start),
            start + MIN,
            local(start + MIN),
            start + 2 * MIN,
            local(start + 2 * MIN)
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_history_queries_get_clear_400s() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let now = now_ms();
    let cases = [
        (
            "/api/v1/series?sensor=nope-1&metric=pm25".to_owned(),
            "unknown_sensor",
        ),
        (
            "/api/v1/series?sensor=tl-0042&metric=pm25".to_owned(),
            "unknown_metric",
        ),
        (
            format!(
                "/api/v1/series?domain=traffic&metric=vehicle_count&from={now}&to={}",
                now - 1000
            ),
            "invalid_range",
        ),
        (
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from=yesterday".to_owned(),
            "invalid_range",
        ),
        (
            format!(
                "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={}&to={now}&step=1s",
                now - 86_400_000
            ),
            "too_many_points",
        ),
        (
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&agg=median".to_owned(),
            "invalid_query",
        ),
        (
            "/api/v1/series?sensor=tl-0042&domain=traffic&metric=vehicle_count".to_owned(),
            "invalid_query",
        ),
        (
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&step=fast".to_owned(),
            "invalid_query",
        ),
        ("/api/v1/series?sensor=tl-0042".to_owned(), "invalid_query"),
    ];
    for (path, code) in cases {
        let (status, body) = app.get(&path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{path}: {body}"
        );
    }
    let (_, body) = app
        .get(&format!(
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={}&to={now}&step=1s",
            now - 86_400_000
        ))
        .await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("use step >= 44 s")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_step_the_answer_never_exceeds_the_point_limit() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let now = now_ms();
    let (status, body) = app
        .get(&format!(
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={}&to={now}",
            now - 30 * 86_400_000
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["step_s"], 1800.0, "30 days in at most 2000 points");
    assert_eq!(body["source"], "rollup_1m");
}

/// A child `ioc` ingesting a QoS 1 stream from Mosquitto is killed with SIGKILL in mid-stream
/// and restarted: every message Mosquitto acknowledged to the publisher ends up stored exactly
/// once — no loss (unacknowledged ones are redelivered) and no double count (redelivered ones
/// are recognised).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_ioc_loses_no_acknowledged_reading_and_stores_each_once() {
    const N: usize = 6000;
    let broker = Mosquitto::start();
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let http = free_port();
    let token = crate::helpers::create_key_cli(&dir.path().join("ioc.db"), "viewer", &[]);
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_ioc"))
            .env_remove("RUST_LOG")
            .env("IOC__LOG__FILTER", "warn")
            .env(
                "IOC__MQTT__URL",
                format!("mqtt://127.0.0.1:{}", broker.port),
            )
            .env(
                "IOC__MQTT__CLIENT_ID",
                format!("ioc-crash-{}", std::process::id()),
            )
            .env("IOC__MQTT__RECONNECT_INITIAL_MS", "50")
            .env("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}"))
            .env("IOC__STORE__PATH", dir.path().join("ioc.db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ioc")
    };
    let client = crate::helpers::client_with_token(&token);
    let base = format!("http://127.0.0.1:{http}");
    let stored = || async {
        let text = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        Some(metric_value(&text, r#"ioc_store_readings_total{result="stored"}"#) as usize)
    };
    let ready = || async {
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    };
    let mut child = spawn();
    eventually("ioc is ready", ready).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // the SUBSCRIBE follows the CONNACK

    let t0 = now_ms() - 3_600_000;
    let publisher = Publisher::connect(broker.port).await;
    let publishing = tokio::spawn(async move {
        for i in 0..N {
            publisher
                .publish(
                    "city/traffic/hai-chau/tl-0042",
                    format!(
                        r#"{{"ts": {}, "seq": {i}, "vehicle_count": {}}}"#,
                        t0 + i as i64,
                        i % 997
                    ),
                )
                .await;
        }
        publisher.wait_acked(N).await;
        publisher
    });
    eventually("ioc has stored part of the stream", || async {
        stored().await.is_some_and(|n| n >= 500)
    })
    .await;
    let before_kill = stored().await.unwrap_or(0);
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let _publisher = publishing
        .await
        .expect("every message acknowledged by the broker");
    assert!(
        before_kill < N,
        "the kill must land mid-stream (stored {before_kill} of {N} before it)"
    );
    eprintln!("crash test: {before_kill} of {N} stored before SIGKILL");

    let mut child = spawn();
    eventually("the restarted ioc is ready", ready).await;
    let db = dir.path().join("ioc.db");
    let count = |sql: &'static str| {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open store");
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("query")
    };
    for _ in 0..600 {
        if count("SELECT count(*) FROM readings") as usize >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count("SELECT count(*) FROM readings"),
        N as i64,
        "every acknowledged reading is stored"
    );
    assert_eq!(count("SELECT count(DISTINCT ts) FROM readings"), N as i64);
    // Rollups are folded in memory between flushes: the restart recomputed those the kill
    // left open from raw readings, and a graceful stop writes the ones still open now.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(stopped.success());
    child.wait().expect("stopped");
    assert_eq!(count("SELECT count(*) FROM rollup_pending"), 0);
    assert_eq!(
        count("SELECT sum(count) FROM rollup_1m"),
        N as i64,
        "no reading counted twice in rollups"
    );
    assert_eq!(count("SELECT sum(count) FROM rollup_1h"), N as i64);
    let _ = child.kill();
    let _ = child.wait();
}
