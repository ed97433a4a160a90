//! The embedded broker's access model (docs/api.md "MQTT access"): ioc's session and client id
//! are its own, publishers only publish sensor topics under the prefix, nobody else subscribes
//! (so rumqttd keeps one bounded log), and MQTT 3.1, 3.1.1 and 5 clients all connect. The
//! packets are written by hand where a real client would refuse to send them (wildcard topics).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{eventually, spawn_app_with, BrokerKind, Publisher, TestApp};

/// An MQTT string: 2-byte length, then the bytes.
fn field(s: &str) -> Vec<u8> {
    let mut v = (s.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

/// A whole packet: type byte, remaining length (under 16 KiB here), body.
fn packet(kind: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut v = vec![kind];
    if n < 128 {
        v.push(n as u8);
    } else {
        v.extend_from_slice(&[(n & 0x7F) as u8 | 0x80, (n >> 7) as u8]);
    }
    v.extend_from_slice(body);
    v
}

/// A 3.1.1 CONNECT; `clean` false asks for the persistent session.
fn connect(client_id: &str, clean: bool, login: Option<(&str, &str)>) -> Vec<u8> {
    let flags = if clean { 0x02 } else { 0 } | if login.is_some() { 0xC0 } else { 0 };
    let mut body = b"\x00\x04MQTT\x04".to_vec();
    body.extend_from_slice(&[flags, 0, 60]);
    body.extend(field(client_id));
    if let Some((u, p)) = login {
        body.extend(field(u));
        body.extend(field(p));
    }
    packet(0x10, &body)
}

/// A raw MQTT connection: what the broker answers, or that it closed the connection.
struct Raw(TcpStream);

impl Raw {
    async fn open(port: u16, connect: &[u8]) -> (Raw, Option<Vec<u8>>) {
        let s = TcpStream::connect(("127.0.0.1", port)).await.expect("tcp");
        let mut raw = Raw(s);
        let answer = raw.send(connect).await;
        (raw, answer)
    }

    /// Sends `bytes`; the first packet the broker answers with, or None when it closes the
    /// connection instead (or says nothing within 2 s).
    async fn send(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.0.write_all(bytes).await.ok()?;
        let mut buf = vec![0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(2), self.0.read(&mut buf)).await;
        match read {
            Ok(Ok(n)) if n > 0 => Some(buf[..n].to_vec()),
            _ => None,
        }
    }
}

const CONNACK_OK: [u8; 4] = [0x20, 2, 0, 0];

async fn app(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_with(BrokerKind::Embedded, extra).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_but_ioc_can_take_its_client_id_and_session() {
    let id = format!("ioc-victim-{}", std::process::id());
    let creds = [
        ("IOC__MQTT__CLIENT_ID", id.as_str()),
        ("IOC__BROKER__USERNAME", "sensors"),
        ("IOC__BROKER__PASSWORD", "pub-s3cret"),
    ];
    let app = app(&creds).await;
    let reconnects = app.metric("ioc_mqtt_reconnects_total").await;
    for login in [
        None,
        Some(("sensors", "pub-s3cret")),
        Some(("ioc-internal", "x")),
    ] {
        let (_, answer) = Raw::open(app.mqtt_port, &connect(&id, false, login)).await;
        assert_eq!(
            answer, None,
            "CONNECT as {login:?} with ioc's client id is refused"
        );
    }
    // The publisher credential still works under any other client id.
    let (_, answer) = Raw::open(
        app.mqtt_port,
        &connect("sensor-7", true, Some(("sensors", "pub-s3cret"))),
    )
    .await;
    assert_eq!(answer.as_deref(), Some(&CONNACK_OK[..]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.metric("ioc_mqtt_reconnects_total").await,
        reconnects,
        "ioc was never kicked off"
    );
    app.wait_ready().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishers_may_not_subscribe() {
    let app = app(&[]).await;
    for filter in ["#", "city/#", "+/+/+/+", "$SYS/#"] {
        let (mut raw, answer) = Raw::open(app.mqtt_port, &connect("snoop", true, None)).await;
        assert_eq!(answer.as_deref(), Some(&CONNACK_OK[..]));
        let mut body = vec![0, 1];
        body.extend(field(filter));
        body.push(1);
        let suback = raw.send(&packet(0x82, &body)).await;
        assert_eq!(
            suback, None,
            "SUBSCRIBE {filter} closes the connection, no SUBACK"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_to_wildcard_sys_or_foreign_topics_is_refused() {
    let app = app(&[]).await;
    let publish = |topic: &str| {
        let mut body = field(topic);
        body.extend_from_slice(&[0, 9]); // packet id
        body.extend_from_slice(br#"{"vehicle_count": 1}"#);
        packet(0x32, &body) // QoS 1
    };
    for topic in [
        "city/+/hai-chau/tl-0042",
        "city/traffic/#",
        "$SYS/broker/uptime",
        "other/traffic/hai-chau/tl-0042",
        "city/traffic/hai-chau/tl-0042/extra",
    ] {
        let (mut raw, _) = Raw::open(app.mqtt_port, &connect("pub", true, None)).await;
        assert_eq!(
            raw.send(&publish(topic)).await,
            None,
            "no PUBACK for {topic}"
        );
    }
    let (mut raw, _) = Raw::open(app.mqtt_port, &connect("pub", true, None)).await;
    let puback = raw.send(&publish("city/traffic/hai-chau/tl-0042")).await;
    assert_eq!(puback.as_deref(), Some(&[0x40, 2, 0, 9][..]));
}

fn mosquitto_pub(port: u16, version: &str, topic: &str, msg: &str) -> bool {
    std::process::Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q", "1"])
        .args(["-V", version, "-t", topic, "-m", msg])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_3_1_3_1_1_and_5_clients_deliver_end_to_end() {
    let app = app(&[]).await;
    let versions = [("mqttv31", 31), ("mqttv311", 311), ("mqttv5", 5)];
    for (version, sensor) in versions {
        let topic = format!("city/traffic/hai-chau/v{sensor}");
        let msg = format!(r#"{{"vehicle_count": {sensor}}}"#);
        assert!(
            mosquitto_pub(app.mqtt_port, version, &topic, &msg),
            "mosquitto_pub -V {version} delivers"
        );
    }
    for (_, sensor) in versions {
        eventually(&format!("sensor v{sensor}'s reading is stored"), || async {
            let d = app.get(&format!("/api/v1/sensors/v{sensor}")).await.1;
            d["latest"]["vehicle_count"]["value"] == f64::from(sensor)
        })
        .await;
    }
    assert!(
        !mosquitto_pub(app.mqtt_port, "mqttv5", "$SYS/x", "1"),
        "an MQTT 5 client is refused a $SYS topic too"
    );
}

/// VmRSS of this process (the app runs in it), bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("a VmRSS line");
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_from_other_clients_cannot_make_the_broker_grow() {
    // This process's RSS is the measure: no test that grows it a lot may run meanwhile.
    let _memory = crate::helpers::PROCESS_MEMORY.lock().await;
    // A small log, so what ioc's own filter may hold is far below what the attack would add.
    let app = app(&[
        ("IOC__BROKER__MAX_SEGMENT_BYTES", "1048576"),
        ("IOC__BROKER__MAX_SEGMENT_COUNT", "2"),
    ])
    .await;
    let filters = ["city/#", "#", "+/+/+/+", "city/zz/#", "city/+/hai-chau/#"];
    for filter in filters {
        let (mut raw, _) = Raw::open(app.mqtt_port, &connect("attacker", false, None)).await;
        let mut body = vec![0, 1];
        body.extend(field(filter));
        body.push(1);
        assert_eq!(
            raw.send(&packet(0x82, &body)).await,
            None,
            "{filter} refused"
        );
    }
    // Unknown domain "zz": ioc rejects these cheaply, so the test measures the broker.
    let p = Publisher::connect(app.mqtt_port).await;
    let before = rss();
    const N: usize = 200_000;
    for i in 0..N {
        p.publish(&format!("city/zz/hai-chau/s{}", i % 1000), "{}")
            .await;
    }
    p.wait_acked(N).await;
    let grown = rss().saturating_sub(before);
    // Before the fix each of the five filters kept its own log of all 200k messages: RSS grew
    // by about 160 MiB here, against about 30 MiB now (ioc's one log and its own work).
    assert!(
        grown < 96 << 20,
        "RSS grew by {} MiB while 200k messages passed",
        grown >> 20
    );
}
