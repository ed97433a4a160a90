//! docs/mosquitto.acl, the embedded broker's access model for an external broker, on Debian's
//! Mosquitto: only ioc reads, publishers only write, and no publisher can take ioc's client id.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use crate::helpers::{
    add_mosquitto_user, eventually, spawn_app_with, BrokerKind, Mosquitto, Publisher,
};

/// The documented ACL, plus a second publisher account as its comment says to add one.
fn write_acl(dir: &Path) {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mosquitto.acl");
    let text = std::fs::read_to_string(docs).expect("docs/mosquitto.acl");
    let text = format!("{text}\nuser gateway\ntopic write city/+/+/+\n");
    std::fs::write(dir.join("ioc.acl"), text).expect("write ioc.acl");
    // Mosquitto started as root reads these after dropping to its own user.
    for f in [dir.join("passwd"), dir.join("ioc.acl"), dir.to_path_buf()] {
        let _ = Command::new("chmod").arg("a+rX").arg(&f).status();
    }
}

/// Connects as `user`, subscribes `#`, `city/#` and `city/+/+/+`; counts what arrives.
async fn snoop(port: u16, user: &str, password: &str, client_id: &str) -> Arc<AtomicUsize> {
    let mut o = MqttOptions::new(client_id, "127.0.0.1", port);
    o.set_credentials(user, password);
    let (client, mut eventloop) = AsyncClient::new(o, 10);
    for filter in ["#", "city/#", "city/+/+/+"] {
        client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("subscribe queued");
    }
    let count = Arc::new(AtomicUsize::new(0));
    let (subacked_tx, subacked) = tokio::sync::oneshot::channel();
    let seen = count.clone();
    tokio::spawn(async move {
        let _client = client; // keeps the event loop's request channel open
        let mut subacked_tx = Some(subacked_tx);
        while let Ok(event) = eventloop.poll().await {
            match event {
                Event::Incoming(Packet::SubAck(_)) => {
                    if let Some(tx) = subacked_tx.take() {
                        let _ = tx.send(());
                    }
                }
                Event::Incoming(Packet::Publish(_)) => {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                _ => {}
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(5), subacked)
        .await
        .expect("Mosquitto answers the SUBSCRIBE")
        .expect("snoop task alive");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_with_the_documented_acl_lets_only_ioc_read_and_keeps_its_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    add_mosquitto_user(dir.path(), "ioc", "s3cret-ingest");
    add_mosquitto_user(dir.path(), "sensors", "pub-s3cret");
    add_mosquitto_user(dir.path(), "gateway", "gw-s3cret");
    write_acl(dir.path());
    let broker = Mosquitto::start_secured(&format!(
        "allow_anonymous false\npassword_file {}\nacl_file {}\nuse_username_as_clientid true\n",
        dir.path().join("passwd").display(),
        dir.path().join("ioc.acl").display()
    ));
    let app = spawn_app_with(
        BrokerKind::External(broker.port),
        &[
            ("IOC__MQTT__CLIENT_ID", "ioc"),
            ("IOC__MQTT__USERNAME", "ioc"),
            ("IOC__MQTT__PASSWORD", "s3cret-ingest"),
        ],
    )
    .await;
    let reconnects = app.metric("ioc_mqtt_reconnects_total").await;
    // One publisher account listens to everything, asking for ioc's client id, while another
    // publishes. Mosquitto's client id is the user name, so neither replaces ioc's connection.
    // (It also means connections of one account replace each other: one account per device
    // or gateway.)
    let snooped = snoop(broker.port, "sensors", "pub-s3cret", "ioc").await;
    let mut o = MqttOptions::new("ioc", "127.0.0.1", broker.port);
    o.set_credentials("gateway", "gw-s3cret");
    let p = Publisher::connect_with(o).await;
    p.publish("city/traffic/hai-chau/tl-0042", r#"{"vehicle_count": 5}"#)
        .await;
    p.wait_acked(1).await;
    eventually("the reading reaches ioc", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["readings_received"] == 1
    })
    .await;
    // An event on the same session and ACL: no second session to fight over the client id.
    p.publish(
        "city/events/hai-chau/cam-17",
        r#"{"id": "cam-17-1", "kind": "camera", "class": "crowd", "confidence": 0.5, "lat": 16.07, "lon": 108.22}"#,
    )
    .await;
    eventually("the event reaches ioc", || async {
        app.get("/api/v1/events").await.1["count"] == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        snooped.load(Ordering::SeqCst),
        0,
        "a publisher reads nothing"
    );
    assert_eq!(
        app.metric("ioc_mqtt_reconnects_total").await,
        reconnects,
        "ioc kept its connection"
    );
}
