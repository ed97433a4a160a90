//! The real binary: graceful shutdown on SIGTERM, clear startup errors.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{eventually, free_port, spawn_app, BrokerKind, Publisher};

/// The binary, with its store in `dir`.
fn ioc_in(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ioc"));
    c.env_remove("RUST_LOG")
        .env("IOC__LOG__FILTER", "warn,rumqttd=off")
        .env("IOC__STORE__PATH", dir.join("ioc.db"));
    c
}

/// Only for runs that stop before opening the store (bad config, taken port, check-config).
fn ioc() -> Command {
    ioc_in(std::path::Path::new("/nonexistent/ioc-lifecycle-store"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_zero() {
    let (http, mqtt) = (free_port(), free_port());
    let dir = tempfile::tempdir().expect("tempdir");
    let token = crate::helpers::create_key_cli(&dir.path().join("ioc.db"), "viewer", &[]);
    let mut child = ioc_in(dir.path())
        .env("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}"))
        .env("IOC__BROKER__LISTEN", format!("127.0.0.1:{mqtt}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ioc");
    let client = crate::helpers::client_with_token(&token);
    let url = format!("http://127.0.0.1:{http}");
    eventually("the binary is ready", || async {
        client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    let p = Publisher::connect(mqtt).await;
    p.publish("city/traffic/hai-chau/tl-0042", r#"{"vehicle_count": 5}"#)
        .await;
    eventually("the reading lands", || async {
        let r = client
            .get(format!("{url}/api/v1/sensors/tl-0042"))
            .send()
            .await;
        match r {
            Ok(r) => r
                .json::<serde_json::Value>()
                .await
                .is_ok_and(|v| v["readings_received"] == 1),
            Err(_) => false,
        }
    })
    .await;

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "ioc did not exit within 15 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit.code(), Some(0), "graceful shutdown exits 0");
}

#[test]
fn an_invalid_setting_stops_startup_with_the_key_value_and_what_is_allowed() {
    let out = ioc()
        .env("IOC__INGEST__MAX_BATCH_READINGS", "0")
        .arg("check-config")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ingest.max_batch_readings")
            && err.contains("= 0")
            && err.contains("1 to 100000"),
        "{err}"
    );
}

#[test]
fn a_city_file_with_a_bad_sensor_names_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = dir.path().join("city.toml");
    std::fs::write(
        &city,
        r#"name = "t"
[[domains]]
name = "traffic"
metrics = [{ name = "vehicle_count", unit = "vehicles", min = 0, max = 100 }]
[[districts]]
id = "d1"
name = "D1"
polygon = [[0, 0], [1, 0], [1, 1]]
[[sensors]]
id = "s1"
domain = "traffic"
district = "d2"
name = "S1"
lat = 0.5
lon = 0.5
interval_s = 10
"#,
    )
    .expect("write");
    let out = ioc()
        .env("IOC__CITY__PATH", &city)
        .arg("check-config")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sensors[0].district") && err.contains("d2"),
        "{err}"
    );
}

#[test]
fn a_taken_broker_port_is_a_clear_startup_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let out = ioc()
        .env("IOC__HTTP__LISTEN", "127.0.0.1:0")
        .env("IOC__BROKER__LISTEN", format!("127.0.0.1:{port}"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broker.listen") && err.contains(&port.to_string()),
        "{err}"
    );
}

#[test]
fn check_config_accepts_the_defaults() {
    let out = ioc().arg("check-config").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("288 sensors"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_application_processes_what_it_took_and_returns_ok() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    p.publish("city/traffic/hai-chau/tl-0042", r#"{"vehicle_count": 5}"#)
        .await;
    p.wait_acked(1).await;
    eventually("the reading lands", || async {
        app.get("/api/v1/sensors/tl-0042").await.1["readings_received"] == 1
    })
    .await;
    let addr = app.addr;
    app.stop().await.expect("a clean stop");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the HTTP listener is closed after stop"
    );
}
