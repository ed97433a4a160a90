//! What an unauthenticated WebSocket may cost the server: a frame is refused on its declared
//! length before it is buffered (memory measured in the real binary's RSS), and pending
//! connections have their own budget, so they cannot take the seats of authenticated ones.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{client_with_token, create_key_cli, free_port, spawn_app_with, BrokerKind};
use crate::stream::{connect_as, next_json, send};

const MIB: u64 = 1024 * 1024;

/// A WebSocket upgrade of `/api/v1/stream` with no credential; returns the socket after the
/// 101, or the status line of any other answer.
async fn raw_upgrade(addr: &str) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write upgrade");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut byte))
            .await
            .expect("an answer to the upgrade within 10 s")
            .expect("read");
        assert_eq!(n, 1, "the server answered the upgrade: {head:?}");
        head.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    if status.starts_with("HTTP/1.1 101") {
        Ok(s)
    } else {
        Err(status)
    }
}

/// Resident memory of a process, in bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

/// Declares a 2^40-byte text frame, then streams up to `total` bytes of it; returns how long
/// until the server closed the socket, and how many bytes it took first.
async fn attack(s: TcpStream, total: u64) -> (Duration, u64) {
    let start = Instant::now();
    let (mut rx, mut tx) = s.into_split();
    let writer = tokio::spawn(async move {
        let mut frame = vec![0x81, 0xFF];
        frame.extend_from_slice(&(1u64 << 40).to_be_bytes());
        frame.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]);
        let chunk = vec![b'x'; MIB as usize];
        let mut sent = 0;
        if tx.write_all(&frame).await.is_err() {
            return sent;
        }
        while sent < total {
            // A server that stops reading makes the write wait: that is a refusal too.
            match tokio::time::timeout(Duration::from_secs(2), tx.write_all(&chunk)).await {
                Ok(Ok(())) => sent += MIB,
                Ok(Err(_)) | Err(_) => break,
            }
        }
        sent
    });
    let mut buf = vec![0u8; 4096];
    // Until EOF or a reset: the server closed the connection.
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(n) = rx.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server closes the connection of an oversized frame"
    );
    let took = start.elapsed();
    let sent = writer.await.expect("writer");
    (took, sent)
}

/// Three anonymous sockets each declare a 2^40-byte frame and stream 150 MiB of it. The
/// server refuses each frame on its header and closes the socket long before the auth
/// deadline (set to 60 s here), and its RSS stays flat meanwhile (it grew by 325 MB before).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frame_declaring_a_huge_length_is_refused_before_it_is_buffered() {
    let (http, mqtt) = (free_port(), free_port());
    let dir = tempfile::tempdir().expect("tempdir");
    let token = create_key_cli(&dir.path().join("ioc.db"), "admin", &[]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env_remove("RUST_LOG")
        .env("IOC__LOG__FILTER", "error,rumqttd=off")
        .env("IOC__STORE__PATH", dir.path().join("ioc.db"))
        .env("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}"))
        .env("IOC__BROKER__LISTEN", format!("127.0.0.1:{mqtt}"))
        .env("IOC__PUSH__AUTH_TIMEOUT_MS", "60000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ioc");
    let pid = child.id();
    let addr = format!("127.0.0.1:{http}");
    let client = client_with_token(&token);
    crate::helpers::eventually("ioc answers", || async {
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_ok()
    })
    .await;

    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(raw_upgrade(&addr).await.expect("101 Switching Protocols"));
    }
    let before = rss_bytes(pid);
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_bytes(pid));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            peak
        })
    };
    let attacks: Vec<_> = sockets
        .into_iter()
        .map(|s| tokio::spawn(attack(s, 150 * MIB)))
        .collect();
    let mut results = Vec::new();
    for a in attacks {
        results.push(a.await.expect("attack"));
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.expect("sampler");

    for (took, sent) in &results {
        assert!(
            *took < Duration::from_secs(30),
            "closed before the 60 s auth deadline: {took:?}, {sent} bytes sent"
        );
    }
    let grew = peak.saturating_sub(before);
    assert!(
        grew < 48 * MIB,
        "RSS grew by {} MiB while 3 sockets streamed an oversized frame ({results:?})",
        grew / MIB
    );
    let metrics = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert_eq!(
        crate::helpers::metric_value(
            &metrics,
            "ioc_push_dropped_clients_total{reason=\"frame_too_large\"}"
        ),
        3.0,
        "{metrics}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// With a cap of three seats, three anonymous upgrades wait in the pending budget instead;
/// a fourth from the same address is refused (503), and an admin still gets a seat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_upgrades_cannot_take_the_seats_of_authenticated_ones() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[
            ("IOC__PUSH__MAX_CONNECTIONS", "3"),
            ("IOC__PUSH__MAX_PENDING", "8"),
            ("IOC__PUSH__MAX_PENDING_PER_IP", "3"),
        ],
    )
    .await;
    let addr = app.addr.to_string();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw_upgrade(&addr).await.expect("101 for a pending upgrade"));
    }
    let refused = raw_upgrade(&addr).await.err();
    assert!(
        refused
            .as_deref()
            .is_some_and(|s| s.starts_with("HTTP/1.1 503")),
        "the fourth pending upgrade from one address: {refused:?}"
    );
    assert_eq!(app.metric("ioc_push_pending_clients").await, 3.0);

    let (mut admin, _) = connect_as(&app, &app.token).await;
    send(&mut admin, json!({"op": "ping", "id": "p"})).await;
    assert_eq!(next_json(&mut admin).await["type"], "pong");
    assert_eq!(app.metric("ioc_push_clients").await, 1.0);

    // A pending connection that authenticates takes a seat and leaves the pending budget.
    drop(held);
    crate::helpers::eventually(
        "the dropped pending connections are counted out",
        || async { app.metric("ioc_push_pending_clients").await == 0.0 },
    )
    .await;
    let viewer = app.create_key("viewer", &[]).await;
    let url = format!("ws://{addr}/api/v1/stream");
    let (mut late, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("anonymous upgrade");
    assert_eq!(next_json(&mut late).await["type"], "hello");
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("anonymous upgrade");
    assert_eq!(next_json(&mut ws).await["type"], "hello");
    send(&mut ws, json!({"op": "auth", "token": viewer})).await;
    assert_eq!(next_json(&mut ws).await["type"], "authenticated");
    assert_eq!(app.metric("ioc_push_pending_clients").await, 1.0);
    assert_eq!(app.metric("ioc_push_clients").await, 2.0);

    // Every seat taken: a pending connection that authenticates is told so and closed (1013).
    let (_third, _) = connect_as(&app, &app.token).await;
    send(&mut late, json!({"op": "auth", "token": viewer})).await;
    let mut code = None;
    let mut close = None;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::StreamExt::next(&mut late),
    )
    .await
    {
        match m {
            Message::Text(t) => {
                let v: serde_json::Value = serde_json::from_str(&t).expect("json");
                if v["type"] == "error" {
                    code = v["code"].as_str().map(str::to_owned);
                }
            }
            Message::Close(c) => {
                close = c.map(|c| u16::from(c.code));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(code.as_deref(), Some("too_many_connections"));
    assert_eq!(close, Some(1013), "try again later");
}
