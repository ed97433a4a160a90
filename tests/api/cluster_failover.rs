//! The shipped HAProxy configuration (deploy/haproxy.cfg, its servers swapped for two real
//! replicas on loopback): a dashboard's WebSocket client whose replica is killed reconnects to
//! the same address and goes on on the other replica, with a snapshot marked `resync`, never
//! a silent gap. Prints the fail-over time (kill → the other replica serving the client).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::cluster::Node;
use crate::helpers::{eventually, free_port, metric_value, Mosquitto};
use crate::stream::{next_json, send, Ws};

struct Haproxy {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// deploy/haproxy.cfg listening on a free loopback port, with `servers` as its backends.
    fn start(servers: &[u16]) -> Haproxy {
        let shipped = format!("{}/deploy/haproxy.cfg", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(shipped).expect("deploy/haproxy.cfg");
        let port = free_port();
        let mut out = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("server ") || t.starts_with("nameserver ") || t.starts_with("hold ") {
                continue;
            }
            if t.starts_with("resolvers ") {
                continue;
            }
            let line = line
                .replace(" resolvers docker", "")
                .replace("bind :8080", &format!("bind 127.0.0.1:{port}"));
            out.push_str(&line);
            out.push('\n');
            if t.starts_with("default-server") {
                for (i, p) in servers.iter().enumerate() {
                    out.push_str(&format!("    server ioc-{i} 127.0.0.1:{p} check\n"));
                }
            }
        }
        let dir = tempfile::tempdir().expect("dir");
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(&cfg, out).expect("write haproxy.cfg");
        let child = Command::new(crate::deploy::haproxy())
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy; run scripts/test.sh, which installs it");
        Haproxy {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(port: u16, token: &str) -> Option<(Ws, String)> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{port}/api/v1/stream")
        .into_client_request()
        .ok()?;
    let protocols = format!("ioc.v1, ioc.bearer.{token}");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocols.parse().ok()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.ok()?;
    let hello = next_json(&mut ws).await;
    Some((ws, hello["epoch"].as_str()?.to_owned()))
}

/// The first frame of `stream` after a subscribe: its snapshot.
async fn snapshot(ws: &mut Ws, stream: &str) -> Value {
    loop {
        let m = next_json(ws).await;
        if m["stream"] == stream && m["type"] == "snapshot" {
            return m;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_client_of_a_killed_replica_goes_on_on_the_other_through_haproxy() {
    let broker = Mosquitto::start();
    let cluster = format!("f{}", std::process::id());
    let mut nodes = [
        Node::start(&cluster, "a", &[], broker.port),
        Node::start(&cluster, "b", &[], broker.port),
    ];
    for n in &nodes {
        n.ready().await;
    }
    let token = nodes[0].token.clone();
    eventually("b accepts a's key", || async {
        nodes[1].status_with(&token).await == 200
    })
    .await;
    let lb = Haproxy::start(&[nodes[0].http, nodes[1].http]);
    let client = crate::helpers::client_with_token(&token);
    eventually("haproxy serves", || async {
        let url = format!("http://127.0.0.1:{}/readyz", lb.port);
        client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;

    let (mut ws, epoch) = connect(lb.port, &token)
        .await
        .expect("WebSocket through haproxy");
    send(&mut ws, json!({"op": "subscribe", "streams": ["kpi"]})).await;
    let first = snapshot(&mut ws, "kpi").await;
    let mut serving = None;
    for (i, n) in nodes.iter().enumerate() {
        let url = format!("http://127.0.0.1:{}/metrics", n.http);
        let text = client.get(url).send().await.expect("metrics").text().await;
        if metric_value(&text.unwrap_or_default(), "ioc_push_clients") == 1.0 {
            serving = Some(i);
        }
    }
    let serving = serving.expect("one replica serves the client");
    nodes[serving].kill();
    let killed = Instant::now();
    // The old connection ends (closed, or reset) within the server's ping timeout.
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    let mut resumed = None;
    for _ in 0..100 {
        if let Some(c) = connect(lb.port, &token).await {
            resumed = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut ws, new_epoch) = resumed.expect("haproxy hands the client to the live replica");
    assert_ne!(new_epoch, epoch, "another server");
    let resume = json!({"op": "subscribe", "streams": ["kpi"], "epoch": epoch,
        "resume_from": {"kpi": first["seq"]}});
    send(&mut ws, resume).await;
    let again = snapshot(&mut ws, "kpi").await;
    let fail_over = killed.elapsed();
    assert_eq!(
        again["resync"], "epoch_changed",
        "a snapshot saying why: {again}"
    );
    assert!(again["data"]["sensors"].is_object(), "{again}");
    eprintln!("fail-over: kill → the other replica serving the client in {fail_over:?}");
}
