//! Export to a real server speaking the InfluxDB v2 write API (Debian's VictoriaMetrics), and
//! the Flux history path against recorded InfluxDB responses.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{eventually, free_port, spawn_app_in, spawn_app_with, BrokerKind, TestApp};

/// Debian's VictoriaMetrics on a free port, its data in a temp dir that outlives restarts.
pub(crate) struct Victoria {
    pub(crate) port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Flags beside the storage path, the address and the retention.
    args: Vec<String>,
}

impl Victoria {
    fn start() -> Victoria {
        Victoria::start_with(&[])
    }

    pub(crate) fn start_with(args: &[&str]) -> Victoria {
        let mut v = Victoria {
            port: free_port(),
            dir: tempfile::tempdir().expect("tempdir"),
            child: None,
            args: args.iter().map(|a| a.to_string()).collect(),
        };
        v.launch();
        v
    }

    fn launch(&mut self) {
        let bin = [
            "/usr/bin/victoria-metrics",
            "/usr/local/bin/victoria-metrics",
        ]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("victoria-metrics"));
        let child = Command::new(bin)
            .arg(format!("-storageDataPath={}", self.dir.path().display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{}", self.port))
            .arg("-retentionPeriod=100y")
            .arg("-loggerLevel=ERROR")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start victoria-metrics ({e}); run scripts/test.sh, which installs it"
                )
            });
        self.child = Some(child);
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("victoria-metrics did not listen within 10 s");
    }

    /// SIGTERM: VictoriaMetrics flushes what it acknowledged, as a server stopped by its
    /// operator does (a SIGKILL would lose its last second of accepted samples, on its side).
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            for _ in 0..200 {
                if c.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every stored sample of `traffic_vehicle_count`: (timestamp ms, value).
    pub(crate) async fn samples(&self) -> Vec<(i64, f64)> {
        let base = format!("http://127.0.0.1:{}", self.port);
        let http = reqwest::Client::new();
        let _ = http
            .get(format!("{base}/internal/force_flush"))
            .send()
            .await;
        let text = http
            .post(format!("{base}/api/v1/export"))
            .form(&[("match[]", "{__name__=\"traffic_vehicle_count\"}")])
            .send()
            .await
            .expect("export")
            .text()
            .await
            .expect("text");
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            let ts = v["timestamps"].as_array().expect("timestamps");
            let vals = v["values"].as_array().expect("values");
            out.extend(
                ts.iter()
                    .zip(vals)
                    .map(|(t, x)| (t.as_i64().expect("ts"), x.as_f64().expect("value"))),
            );
        }
        out
    }
}

impl Drop for Victoria {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn export_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("IOC__EXPORT__INFLUXDB__URL", url.to_owned()),
        ("IOC__EXPORT__INFLUXDB__ORG", "city".to_owned()),
        ("IOC__EXPORT__INFLUXDB__BUCKET", "ioc".to_owned()),
        ("IOC__EXPORT__INFLUXDB__TOKEN", "test-token".to_owned()),
        ("IOC__EXPORT__INFLUXDB__BATCH_LINES", "100".to_owned()),
        ("IOC__EXPORT__INFLUXDB__RETRY_INITIAL_MS", "50".to_owned()),
        ("IOC__EXPORT__INFLUXDB__RETRY_MAX_MS", "300".to_owned()),
    ]
}

async fn spawn_exporting_app(url: &str) -> TestApp {
    let env = export_env(url);
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(BrokerKind::Embedded, &extra).await
}

/// Turns the outbox of the store at `db` back into schema 2's (line protocol as text) holding
/// `lines`, as an ioc from before the outbox held data would have left it.
fn stage_schema_2_outbox(db: &std::path::Path, lines: &[String]) {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(
        "DROP TABLE outbox;
         CREATE TABLE outbox (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             enqueued_ms INTEGER NOT NULL,
             line TEXT NOT NULL
         );",
    )
    .expect("schema 2 outbox");
    for line in lines {
        conn.execute(
            "INSERT INTO outbox (enqueued_ms, line) VALUES (?1, ?2)",
            rusqlite::params![ioc::shell::now_ms(), line],
        )
        .expect("line");
    }
    conn.pragma_update(None, "user_version", 2)
        .expect("version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_left_in_a_schema_2_outbox_are_exported_after_the_upgrade() {
    let victoria = Victoria::start();
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = spawn_app_in(dir.clone(), BrokerKind::Embedded, &[]).await;
    app.stop().await.expect("stops");
    let t0 = ioc::shell::now_ms() - 600_000;
    let lines: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "traffic,district=hai-chau,sensor=tl-0042 vehicle_count={i}.0 {}",
                t0 + i * 100
            )
        })
        .collect();
    stage_schema_2_outbox(&dir.path().join("ioc.db"), &lines);

    let env = export_env(&format!("http://127.0.0.1:{}", victoria.port));
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_in(dir, BrokerKind::Embedded, &extra).await;
    eventually("the kept lines are sent", || async {
        app.metric(r#"ioc_export_lines_total{result="sent"}"#).await == 3.0
    })
    .await;
    let mut samples = Vec::new();
    for _ in 0..100 {
        samples = victoria.samples().await;
        if samples.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    samples.sort_by_key(|s| s.0);
    let want: Vec<(i64, f64)> = (0..3).map(|i| (t0 + i * 100, i as f64)).collect();
    assert_eq!(samples, want, "every kept line arrives once, unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_influxdb_outage_grows_the_outbox_without_pausing_ingest_and_every_reading_arrives_once()
{
    let mut victoria = Victoria::start();
    let app = spawn_exporting_app(&format!("http://127.0.0.1:{}", victoria.port)).await;
    let t0 = ioc::shell::now_ms() - 600_000;
    let p = app.publisher().await;
    let publish = |range: std::ops::Range<i64>| {
        let p = &p;
        async move {
            for i in range {
                p.publish(
                    "city/traffic/hai-chau/tl-0042",
                    format!(r#"{{"ts": {}, "vehicle_count": {i}}}"#, t0 + i * 100),
                )
                .await;
            }
        }
    };
    publish(0..200).await;
    eventually("the first 200 are exported", || async {
        app.metric(r#"ioc_export_lines_total{result="sent"}"#).await == 200.0
    })
    .await;

    victoria.stop();
    publish(200..500).await;
    eventually("ingest keeps storing during the outage", || async {
        app.metric(r#"ioc_store_readings_total{result="stored"}"#)
            .await
            == 500.0
    })
    .await;
    eventually("the outbox holds what could not be sent", || async {
        app.metric("ioc_export_outbox_lines").await == 300.0
    })
    .await;
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(
        status, 200,
        "an export outage does not make ioc unready: {ready}"
    );
    eventually("readiness reports the export down", || async {
        app.get("/readyz").await.1["checks"]["export"]["status"] == "down"
    })
    .await;
    assert!(app.metric("ioc_export_errors_total").await >= 1.0);

    victoria.launch();
    eventually("the backlog drains after recovery", || async {
        app.metric(r#"ioc_export_lines_total{result="sent"}"#).await == 500.0
    })
    .await;
    assert_eq!(app.metric("ioc_export_outbox_lines").await, 0.0);
    let mut samples = Vec::new();
    for _ in 0..100 {
        samples = victoria.samples().await;
        if samples.len() >= 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let times: HashSet<i64> = samples.iter().map(|(t, _)| *t).collect();
    assert_eq!(samples.len(), 500, "every reading arrives, none twice");
    assert_eq!(times.len(), 500);
    assert!(
        samples.iter().all(|(t, v)| (t - t0) / 100 == *v as i64),
        "each value at its own ms timestamp"
    );
}

/// A stand-in for InfluxDB's HTTP API, replaying a recorded Flux answer: no InfluxDB 2 server
/// can be installed from this machine's package registries (see docs/influxdb.md for the manual
/// check against a real one). Writes are accepted with 204; queries get `flux_csv` and are kept.
struct RecordedInflux {
    port: u16,
    queries: Arc<Mutex<Vec<String>>>,
}

impl RecordedInflux {
    fn start(flux_csv: &'static str) -> RecordedInflux {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let queries = Arc::new(Mutex::new(Vec::new()));
        let seen = queries.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, flux_csv, &seen));
            }
        });
        RecordedInflux { port, queries }
    }
}

fn serve(mut stream: TcpStream, flux_csv: &str, seen: &Mutex<Vec<String>>) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let response = if request_line.starts_with("POST /api/v2/query") {
            seen.lock()
                .expect("lock")
                .push(String::from_utf8_lossy(&body).into_owned());
            format!("HTTP/1.1 200 OK\r\ncontent-type: text/csv; charset=utf-8\r\ncontent-length: {}\r\n\r\n{flux_csv}", flux_csv.len())
        } else {
            "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n".to_owned()
        };
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Recorded from InfluxDB 2.7 for `aggregateWindow(every: 1h, fn: mean, timeSrc: "_start")`
/// followed by `keep(columns: ["_time", "_value"])`.
const RECORDED_FLUX_CSV: &str = "#datatype,string,long,dateTime:RFC3339,double\r\n#group,false,false,false,false\r\n#default,_result,,,\r\n,result,table,_time,_value\r\n,,0,2023-03-01T00:00:00Z,41.5\r\n,,0,2023-03-01T01:00:00Z,38.25\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_beyond_local_retention_is_answered_by_influxdb_with_flux() {
    let influx = RecordedInflux::start(RECORDED_FLUX_CSV);
    let app = spawn_exporting_app(&format!("http://127.0.0.1:{}", influx.port)).await;
    let from = 1_677_628_800_000_i64; // 2023-03-01T00:00:00Z: older than every local retention
    let to = from + 2 * 3_600_000;
    let (status, body) = app
        .get(&format!(
            "/api/v1/series?sensor=tl-0042&metric=avg_speed_kmh&from={from}&to={to}&step=1h"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "influxdb");
    assert_eq!(
        body["points"],
        serde_json::json!([[from, 41.5], [from + 3_600_000, 38.25]])
    );
    let queries = influx.queries.lock().expect("lock").clone();
    assert_eq!(queries.len(), 1);
    let q: serde_json::Value = serde_json::from_str(&queries[0]).expect("query body is JSON");
    let flux = q["query"].as_str().expect("flux");
    for part in [
        "from(bucket: \"ioc\")",
        "r._measurement == \"traffic\"",
        "r._field == \"avg_speed_kmh\"",
        "r.sensor == \"tl-0042\"",
        "every: 3600000ms, fn: mean",
    ] {
        assert!(flux.contains(part), "{part} in {flux}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_influxdb_history_beyond_retention_is_marked_partial() {
    let app = crate::helpers::spawn_app(BrokerKind::Embedded).await;
    let from = 1_677_628_800_000_i64;
    let (status, body) = app
        .get(&format!(
            "/api/v1/series?sensor=tl-0042&metric=avg_speed_kmh&from={from}&to={}&step=1h",
            from + 3_600_000
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["partial"].as_bool(), body["source"].as_str()),
        (Some(true), Some("rollup_1h"))
    );
}
