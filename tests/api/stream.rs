//! WebSocket push (`/api/v1/stream`) with real WebSocket clients and readings published over MQTT.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{eventually, spawn_app, spawn_app_with, BrokerKind, Publisher, TestApp};

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const STREAM: &str = "indicators/traffic/hai-chau";

/// Connects with the admin token in the `ioc.bearer.<token>` subprotocol (the browser way).
async fn connect(app: &TestApp) -> (Ws, Value) {
    connect_as(app, &app.token).await
}

pub(crate) async fn connect_as(app: &TestApp, token: &str) -> (Ws, Value) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}/api/v1/stream", app.addr)
        .into_client_request()
        .expect("request");
    let protocols = format!("ioc.v1, ioc.bearer.{token}");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        protocols.parse().expect("header value"),
    );
    let (mut ws, res) = tokio_tungstenite::connect_async(req)
        .await
        .expect("WebSocket handshake");
    assert_eq!(
        res.headers()
            .get("Sec-WebSocket-Protocol")
            .map(|v| v.to_str().unwrap_or("")),
        Some("ioc.v1"),
        "the server selects ioc.v1 and never echoes the token"
    );
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    (ws, hello)
}

/// The next text message as JSON; answers pings on the way. Panics after 10 s.
pub(crate) async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the connection is open")
            .expect("a valid frame");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).expect("server sends JSON"),
            Message::Close(c) => panic!("closed by the server: {c:?}"),
            _ => {}
        }
    }
}

/// Reads until a data frame of `stream` satisfies `done`; returns every data frame of it seen.
pub(crate) async fn frames_until(
    ws: &mut Ws,
    stream: &str,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let m = next_json(ws).await;
        if m["stream"] == stream {
            let stop = done(&m);
            seen.push(m);
            if stop {
                return seen;
            }
        }
    }
}

pub(crate) async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("send");
}

async fn publish_speed(p: &Publisher, ts: i64, speed: f64) {
    p.publish(
        "city/traffic/hai-chau/tl-0037",
        format!(
            r#"{{"ts": {ts}, "vehicle_count": 10, "avg_speed_kmh": {speed}, "occupancy_pct": 20}}"#
        ),
    )
    .await;
}

fn assert_consecutive(frames: &[Value]) {
    for w in frames.windows(2) {
        assert_eq!(
            w[1]["seq"].as_u64(),
            w[0]["seq"].as_u64().map(|s| s + 1),
            "seq numbers follow each other: {w:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_gets_a_snapshot_then_updates_reflecting_readings_published_over_mqtt() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let (mut ws, _) = connect(&app).await;

    send(
        &mut ws,
        json!({"op": "subscribe", "id": "s1", "streams": [STREAM]}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(
        (ack["type"].clone(), ack["id"].clone()),
        ("subscribed".into(), "s1".into())
    );
    assert_eq!(ack["streams"], json!([STREAM]));
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["stream"], STREAM);
    assert!(snap["sent_at"].is_i64() && snap.get("as_of").is_some());

    let t0 = ioc::shell::now_ms() - 2_000;
    let mut prev = snap;
    for (k, speed) in [30.0, 20.0, 10.0].into_iter().enumerate() {
        let ts = t0 + k as i64 * 500;
        publish_speed(&p, ts, speed).await;
        let mut frames = frames_until(&mut ws, STREAM, |f| f["as_of"] == ts).await;
        frames.insert(0, prev);
        assert_consecutive(&frames);
        prev = frames.last().cloned().expect("a frame");
        let last = &prev;
        assert_eq!(last["type"], "update");
        let w = &last["data"]["windows"]["avg_speed_kmh"];
        assert_eq!(w["as_of"], ts, "the window reflects the new reading");
        assert_eq!(w["windows"]["1m"]["max"], 30.0);
        assert_eq!(w["windows"]["1m"]["min"], speed);
    }
    assert!(app.metric("ioc_push_clients").await >= 1.0);
    assert!(
        app.metric("ioc_push_subscriptions{kind=\"indicators\"}")
            .await
            >= 1.0
    );
    assert!(app.metric("ioc_push_bytes_total").await > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_after_a_reconnect_replays_the_missed_updates_with_no_gap() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let (mut ws, hello) = connect(&app).await;
    send(&mut ws, json!({"op": "subscribe", "streams": [STREAM]})).await;
    let t0 = ioc::shell::now_ms() - 5_000;
    publish_speed(&p, t0, 40.0).await;
    let seen = frames_until(&mut ws, STREAM, |f| f["as_of"] == t0).await;
    let last_seq = seen.last().and_then(|f| f["seq"].as_u64()).expect("a seq");
    drop(ws);

    // While the client is away, three readings, each given time to become its own update.
    for k in 1..=3 {
        publish_speed(&p, t0 + k * 100, 40.0 - k as f64).await;
        p.wait_acked(1 + k as usize).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let (mut ws, _) = connect(&app).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "streams": [STREAM], "epoch": hello["epoch"], "resume_from": {STREAM: last_seq}}),
    )
    .await;
    assert_eq!(next_json(&mut ws).await["type"], "subscribed");
    let replayed = frames_until(&mut ws, STREAM, |f| f["as_of"] == t0 + 300).await;
    assert_eq!(replayed[0]["seq"].as_u64(), Some(last_seq + 1), "no gap");
    assert!(
        replayed.iter().all(|f| f["type"] == "update"),
        "{replayed:?}"
    );
    assert_consecutive(&replayed);

    // From another server run (epoch), the same resume point gets a snapshot marked as such.
    let (mut ws, _) = connect(&app).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "streams": [STREAM], "epoch": "other", "resume_from": {STREAM: last_seq}}),
    )
    .await;
    next_json(&mut ws).await;
    let snap = next_json(&mut ws).await;
    assert_eq!(
        (snap["type"].clone(), snap["resync"].clone()),
        ("snapshot".into(), "epoch_changed".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_keeps_a_bounded_queue_and_is_dropped() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__PUSH__QUEUE_FRAMES", "4"),
            ("IOC__PUSH__MIN_INTERVAL_MS", "20"),
            ("IOC__PUSH__PING_INTERVAL_MS", "100"),
            ("IOC__PUSH__CLIENT_TIMEOUT_MS", "1500"),
        ],
    )
    .await;
    let p = app.publisher().await;
    let (mut ws, _) = connect(&app).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "streams": ["indicators", "kpi", "sensor-status"]}),
    )
    .await;
    // From here on the client never reads: no pongs, a filling TCP window.
    let t0 = ioc::shell::now_ms() - 10_000;
    let mut max_queued = 0.0_f64;
    for k in 0..40 {
        publish_speed(&p, t0 + k * 50, 30.0).await;
        tokio::time::sleep(Duration::from_millis(25)).await;
        max_queued = max_queued.max(app.metric("ioc_push_queue_frames").await);
    }
    assert!(
        max_queued <= 4.0,
        "the queue never passed its bound: {max_queued}"
    );
    eventually("the silent client is dropped", || async {
        app.metric("ioc_push_clients").await == 0.0
    })
    .await;
    let text = app.metrics().await;
    let dropped = crate::helpers::metric_value(
        &text,
        "ioc_push_dropped_clients_total{reason=\"heartbeat_timeout\"}",
    ) + crate::helpers::metric_value(
        &text,
        "ioc_push_dropped_clients_total{reason=\"send_timeout\"}",
    );
    assert_eq!(dropped, 1.0);
    assert_eq!(app.metric("ioc_push_queue_frames").await, 0.0);
    assert_eq!(
        app.metric("ioc_push_subscriptions{kind=\"indicators\"}")
            .await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_error_frames_and_the_connection_stays_open() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (mut ws, _) = connect(&app).await;
    let cases = [
        (Message::text("{not json"), "invalid_json"),
        (Message::text(r#"{"op":"dance"}"#), "unknown_op"),
        (Message::text(r#"{"op":"subscribe"}"#), "invalid_message"),
        (
            Message::text(r#"{"op":"subscribe","streams":["indicators/water/*"]}"#),
            "unknown_domain",
        ),
        (
            Message::text(r#"{"op":"subscribe","streams":["indicators/traffic/atlantis"]}"#),
            "unknown_district",
        ),
        (
            Message::text(r#"{"op":"subscribe","streams":["sensor/nobody"]}"#),
            "unknown_sensor",
        ),
        (
            Message::text(r#"{"op":"subscribe","streams":["weather"]}"#),
            "invalid_stream",
        ),
        (Message::text("x".repeat(5000)), "message_too_large"),
        (Message::binary(vec![1, 2, 3]), "binary_not_supported"),
    ];
    for (msg, code) in cases {
        ws.send(msg).await.expect("send");
        let e = next_json(&mut ws).await;
        assert_eq!(
            (e["type"].clone(), e["code"].clone()),
            ("error".into(), code.into()),
            "{e}"
        );
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    send(&mut ws, json!({"op": "ping", "id": "still-here"})).await;
    let pong = next_json(&mut ws).await;
    assert_eq!(
        (pong["type"].clone(), pong["id"].clone()),
        ("pong".into(), "still-here".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_messages_closes_the_connection() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (mut ws, _) = connect(&app).await;
    for _ in 0..30 {
        if ws.send(Message::text("nope")).await.is_err() {
            break;
        }
    }
    eventually("the flooding client is dropped", || async {
        app.metric("ioc_push_dropped_clients_total{reason=\"bad_messages\"}")
            .await
            == 1.0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_get_on_the_stream_endpoint_is_told_to_upgrade() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (status, body) = app.get("/api/v1/stream").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "websocket_required");
}

/// An alert that fires while a client watches the `alerts` stream arrives as one change, with
/// the next sequence number after the snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_firing_reaches_a_subscriber_of_the_alerts_stream_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("alerts.toml");
    std::fs::write(
        &rules,
        r#"
[[rules]]
id = "water-high"
description = "Water above 300 cm"
signal = "water_level_cm"
severity = "critical"
scope = { domain = "environment", level = "sensor" }
kind = "threshold"
direction = "above"
raise = 300
clear = 250
"#,
    )
    .expect("write rules");
    let rules = rules.display().to_string();
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[("IOC__ALERTS__RULES_PATH", rules.as_str())],
    )
    .await;
    let (mut ws, _) = connect(&app).await;
    send(&mut ws, json!({"op": "subscribe", "streams": ["alerts"]})).await;
    let snapshot = frames_until(&mut ws, "alerts", |m| m["type"] == "snapshot").await;
    let snapshot = snapshot.last().expect("snapshot").clone();
    assert_eq!(snapshot["data"]["open"], json!([]));

    let p = app.publisher().await;
    p.publish(
        "city/environment/hai-chau/wl-0007",
        r#"{"water_level_cm": 320}"#,
    )
    .await;
    let frames = frames_until(&mut ws, "alerts", |m| {
        m["type"] == "update" && m["data"]["change"]["alert"]["state"] == "firing"
    })
    .await;
    let update = frames.last().expect("update");
    assert_eq!(update["data"]["change"]["alert"]["rule_id"], "water-high");
    assert_eq!(
        update["data"]["change"]["alert"]["subject"],
        "sensor:wl-0007"
    );
    assert_eq!(
        frames[0]["seq"].as_u64(),
        snapshot["seq"].as_u64().map(|s| s + 1),
        "no gap after the snapshot"
    );
    assert_consecutive(&frames);
    eventually("the alert is listed", || async {
        app.get("/api/v1/alerts?state=firing").await.1["count"] == 1
    })
    .await;
}

/// `sensor-status/{district}`: a district-scoped key may follow its own district's status (not
/// the whole city's); a key limited to some domains may not, since the stream holds every
/// domain's sensors of the district.
#[tokio::test]
async fn a_district_key_follows_its_districts_sensor_status_but_not_the_citys() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let district = app.create_key("department", &["district:hai-chau"]).await;
    let (mut ws, _) = connect_as(&app, &district).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "id": "s", "streams": ["sensor-status/*"]}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(
        (ack["type"].as_str(), &ack["streams"]),
        (Some("subscribed"), &json!(["sensor-status/hai-chau"])),
        "the pattern names the districts in scope: {ack}"
    );
    let snap = next_json(&mut ws).await;
    assert_eq!(
        (snap["type"].as_str(), snap["stream"].as_str()),
        (Some("snapshot"), Some("sensor-status/hai-chau")),
        "{snap}"
    );
    for (spec, code) in [
        ("sensor-status", "forbidden"),
        ("sensor-status/son-tra", "unknown_district"),
    ] {
        send(&mut ws, json!({"op": "subscribe", "streams": [spec]})).await;
        let err = next_json(&mut ws).await;
        assert_eq!(
            (err["type"].as_str(), err["code"].as_str()),
            (Some("error"), Some(code)),
            "{spec}: {err}"
        );
    }

    let traffic = app
        .create_key("department", &["domain:traffic", "district:hai-chau"])
        .await;
    let (mut ws, _) = connect_as(&app, &traffic).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "streams": ["sensor-status/hai-chau"]}),
    )
    .await;
    let err = next_json(&mut ws).await;
    assert_eq!(err["code"], "forbidden", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("every domain") && !message.contains("whole city"),
        "the refusal names the key's domains, not the city: {err}"
    );
}
