//! The same scenarios through Debian's Mosquitto, plus a broker crash in mid-stream.

use crate::helpers::{eventually, spawn_app, BrokerKind, Mosquitto};
use crate::ingest::{
    malformed_messages_are_rejected_by_reason_while_good_ones_flow,
    readings_of_all_three_domains_reach_the_api,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_of_all_three_domains_reach_the_api_through_mosquitto() {
    let broker = Mosquitto::start();
    let app = spawn_app(BrokerKind::External(broker.port)).await;
    readings_of_all_three_domains_reach_the_api(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_rejected_while_good_ones_flow_through_mosquitto() {
    let broker = Mosquitto::start();
    let app = spawn_app(BrokerKind::External(broker.port)).await;
    malformed_messages_are_rejected_by_reason_while_good_ones_flow(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_killed_and_restarted_mid_stream_ingest_reconnects_resubscribes_and_resumes() {
    let mut broker = Mosquitto::start();
    let app = spawn_app(BrokerKind::External(broker.port)).await;
    let topic = "city/traffic/hai-chau/tl-0042";
    let p = app.publisher().await;
    for i in 1..=5 {
        p.publish(topic, format!(r#"{{"seq": {i}, "vehicle_count": {i}}}"#))
            .await;
    }
    eventually("the first stream lands", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["last_seq"] == 5
    })
    .await;
    drop(p);

    broker.kill();
    eventually("readiness reports the broker down", || async {
        let (status, body) = app.get("/readyz").await;
        status == 503 && body["checks"]["broker"]["status"] == "down"
    })
    .await;
    broker.restart(); // no persistence: the broker forgot our session, so we must resubscribe

    eventually("ingest reconnects", || async {
        app.metric("ioc_mqtt_reconnects_total").await >= 1.0
    })
    .await;
    app.wait_ready().await;
    let p = app.publisher().await;
    // The SUBSCRIBE after reconnecting races our publishes; publish until one lands.
    let mut seq = 100;
    eventually("a message published after the restart lands", || {
        seq += 1;
        let (p, app, payload) = (&p, &app, format!(r#"{{"seq": {seq}, "vehicle_count": 7}}"#));
        async move {
            p.publish(topic, payload).await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            app.get("/api/v1/sensors/tl-0042").await.1["last_seq"]
                .as_u64()
                .is_some_and(|s| s > 100)
        }
    })
    .await;
    let before = app.get("/api/v1/sensors/tl-0042").await.1["readings_received"]
        .as_u64()
        .expect("count");
    for i in 1..=20 {
        p.publish(
            topic,
            format!(r#"{{"seq": {}, "vehicle_count": 9}}"#, 1000 + i),
        )
        .await;
    }
    eventually("every message after the resubscription lands", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["readings_received"].as_u64()
            == Some(before + 20)
    })
    .await;
    assert!(app.metric("ioc_mqtt_connection_errors_total").await >= 1.0);
    assert_eq!(app.metric("ioc_mqtt_connected").await, 1.0);
}
