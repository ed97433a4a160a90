//! `spawn_app`, a real MQTT publisher, a Mosquitto process, and polling helpers.

use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ioc::config::{load, Overrides};
use ioc::Application;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A port that was free a moment ago (rumqttd and Mosquitto cannot bind port 0 and tell us).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub enum BrokerKind {
    /// Start rumqttd inside the application.
    Embedded,
    /// Connect to a broker already listening on this port.
    External(u16),
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The store lives here; kept so a test can restart on the same data.
    pub dir: Arc<tempfile::TempDir>,
    pub mqtt_port: u16,
    /// Sends the admin token made at start (a loopback server with no keys makes one).
    pub http: reqwest::Client,
    /// That admin token.
    pub token: String,
    shutdown: CancellationToken,
    task: Option<JoinHandle<Result<(), ioc::AppError>>>,
}

static CLIENT_IDS: AtomicUsize = AtomicUsize::new(0);

/// Held by a test that measures this process's memory and by one that makes it large (a city
/// of 100,000 sensors), so the two never overlap: the apps run in the test process.
pub static PROCESS_MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Test settings: quick reconnects, one HTTP worker, quiet logs.
pub fn test_env(broker: &BrokerKind) -> Vec<(String, String)> {
    let id = CLIENT_IDS.fetch_add(1, Ordering::Relaxed);
    let mut env = vec![
        ("IOC__HTTP__LISTEN", "127.0.0.1:0".to_owned()),
        ("IOC__HTTP__WORKERS", "1".to_owned()),
        (
            "IOC__MQTT__CLIENT_ID",
            format!("ioc-test-{}-{id}", std::process::id()),
        ),
        ("IOC__MQTT__RECONNECT_INITIAL_MS", "50".to_owned()),
        ("IOC__MQTT__RECONNECT_MAX_MS", "400".to_owned()),
        ("IOC__LOG__FILTER", "error,rumqttd=off".to_owned()),
        // Each night's reports are kept only where a test asks (tests/api/kept_reports.rs).
        ("IOC__REPORTS__DAILY", "false".to_owned()),
        // Tests poll quickly; the rate-limit test sets its own limits.
        ("IOC__HTTP__RATE_PER_IP_BURST", "1000000".to_owned()),
        ("IOC__HTTP__RATE_PER_IP_PER_S", "1000000".to_owned()),
        ("IOC__HTTP__RATE_PER_KEY_BURST", "1000000".to_owned()),
        ("IOC__HTTP__RATE_PER_KEY_PER_S", "1000000".to_owned()),
    ];
    match broker {
        BrokerKind::Embedded => {
            env.push(("IOC__BROKER__LISTEN", format!("127.0.0.1:{}", free_port())))
        }
        BrokerKind::External(port) => {
            env.push(("IOC__MQTT__URL", format!("mqtt://127.0.0.1:{port}")))
        }
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub async fn spawn_app(broker: BrokerKind) -> TestApp {
    spawn_app_with(broker, &[]).await
}

pub async fn spawn_app_with(broker: BrokerKind, extra: &[(&str, &str)]) -> TestApp {
    spawn_app_in(
        Arc::new(tempfile::tempdir().expect("tempdir")),
        broker,
        extra,
    )
    .await
}

/// Starts the application with its store in `dir` (reuse a dir to restart on the same data).
pub async fn spawn_app_in(
    dir: Arc<tempfile::TempDir>,
    broker: BrokerKind,
    extra: &[(&str, &str)],
) -> TestApp {
    spawn_app_from(dir, None, broker, extra).await
}

/// Like [`spawn_app_in`], reading the settings file `file` under the environment's settings
/// (what tables of tables, such as `[[notify.messaging]]`, need).
pub async fn spawn_app_from(
    dir: Arc<tempfile::TempDir>,
    file: Option<std::path::PathBuf>,
    broker: BrokerKind,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut env = test_env(&broker);
    env.push((
        "IOC__STORE__PATH".to_owned(),
        dir.path().join("ioc.db").display().to_string(),
    ));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = load(&Overrides { file, env }).expect("test settings are valid");
    ioc::telemetry::init_logging(&settings.log);
    let app = Application::build(settings)
        .await
        .expect("application starts");
    let addr = app.http_addr();
    let mqtt_port = app.mqtt_addr().1;
    // A loopback server without keys makes a one-run admin token; with JWT configured it
    // does not, and the test gets an admin key instead.
    let token = match app.bootstrap_token() {
        Some(t) => t.to_owned(),
        None => {
            let city = app.live().read().expect("live").city().clone();
            let repo = ioc::store::SqliteKeys::open(&dir.path().join("ioc.db")).expect("keys");
            ioc::auth::Auth::new(repo, None, city)
                .create_key("test", ioc::auth::Role::Admin, &[], "test admin", 0)
                .expect("admin key")
                .token
        }
    };
    let shutdown = app.shutdown_token();
    let task = tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        addr,
        dir,
        mqtt_port,
        http: client_with_token(&token),
        token,
        shutdown,
        task: Some(task),
    };
    app.wait_ready().await;
    app
}

/// Creates a key with the real binary (`ioc keys create`) in the store at `db`; returns the
/// token it printed.
pub fn create_key_cli(db: &std::path::Path, role: &str, scope: &[&str]) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ioc"));
    cmd.env("IOC__STORE__PATH", db)
        .args(["keys", "create", "--role", role, "--label", "test"]);
    for s in scope {
        cmd.args(["--scope", s]);
    }
    let out = cmd.output().expect("run ioc keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// Writes a key row straight into the key table of the store at `db`, bypassing the rules
/// the API and the CLI apply, as an older version of ioc could have stored it; returns its
/// token. For tests of what the current rules do with such rows.
pub fn store_key_row(
    db: &std::path::Path,
    role: ioc::auth::Role,
    scope: &str,
    label: &str,
) -> String {
    use ioc::auth::{token, AuditRecord, KeyInfo, KeyRepo};
    let key = token::generate().expect("key");
    let mut repo = ioc::store::SqliteKeys::open(db).expect("keys");
    let info = KeyInfo {
        id: key.id.clone(),
        role,
        scope: scope.to_owned(),
        label: label.to_owned(),
        created_ms: 0,
        created_by: "old".into(),
        revoked_ms: None,
    };
    let audit = AuditRecord {
        at_ms: 0,
        actor: "old",
        action: "key.create",
        target: &key.id,
        detail: "",
    };
    repo.insert(&info, &key.secret_sha256, &audit)
        .expect("insert");
    key.token
}

/// Adds `user` to the password file `passwd` in `dir` (made on the first call).
pub fn add_mosquitto_user(dir: &std::path::Path, user: &str, password: &str) {
    let mut c = std::process::Command::new("mosquitto_passwd");
    if !dir.join("passwd").exists() {
        c.arg("-c");
    }
    let out = c
        .args(["-b", "passwd", user, password])
        .current_dir(dir)
        .output()
        .expect("run mosquitto_passwd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An alert rule without duration, so an alert fires on one reading: PM2.5 above 150 at any
/// environment station.
pub const PM25_STATION_RULE: &str = r#"
[[rules]]
id = "pm25-station"
description = "PM2.5 above 150 at a station"
signal = "pm25"
severity = "major"
scope = { domain = "environment", level = "sensor" }
kind = "threshold"
direction = "above"
raise = 150
clear = 100
"#;

/// The application on the embedded broker with its store in `dir`, reading its alert rules
/// from `rules` (written to `dir/alerts.toml`); `extra` settings as in [`spawn_app_in`].
pub async fn spawn_app_with_rules(
    dir: Arc<tempfile::TempDir>,
    rules: &str,
    extra: &[(&str, &str)],
) -> TestApp {
    let path = dir.path().join("alerts.toml");
    std::fs::write(&path, rules).expect("write rules");
    let path = path.display().to_string();
    let mut settings = vec![("IOC__ALERTS__RULES_PATH", path.as_str())];
    settings.extend_from_slice(extra);
    spawn_app_in(dir, BrokerKind::Embedded, &settings).await
}

/// An HTTP client that sends `Authorization: Bearer <token>` with every request.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {token}").parse().expect("header value");
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

impl TestApp {
    /// Creates a key through the admin API; returns its token.
    pub async fn create_key(&self, role: &str, scope: &[&str]) -> String {
        let res = self
            .http
            .post(self.url("/api/v1/admin/keys"))
            .json(&serde_json::json!({ "role": role, "scope": scope, "label": "test" }))
            .send()
            .await
            .expect("create key");
        assert_eq!(res.status().as_u16(), 201, "key created");
        let body: Value = res.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET `path`; returns the status and the JSON body (`Value::Null` when not JSON).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("HTTP request");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    /// Acknowledges alert `id` with `body` (`{"by", "comment"}`); returns the status.
    pub async fn ack(&self, id: i64, body: Value) -> u16 {
        self.http
            .post(self.url(&format!("/api/v1/alerts/{id}/ack")))
            .json(&body)
            .send()
            .await
            .expect("ack")
            .status()
            .as_u16()
    }

    /// The value of one Prometheus series, e.g. `ioc_mqtt_reconnects_total`, 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        metric_value(&self.metrics().await, series)
    }

    /// Waits until `/readyz` says the broker connection is up and the subscription is in place.
    pub async fn wait_ready(&self) {
        eventually("readyz reports ready", || async {
            self.get("/readyz").await.0 == 200
        })
        .await;
        // The SUBSCRIBE follows the CONNACK; give it a moment to be acknowledged.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    pub async fn publisher(&self) -> Publisher {
        Publisher::connect(self.mqtt_port).await
    }

    /// Cancels and waits for a graceful stop.
    pub async fn stop(mut self) -> Result<(), ioc::AppError> {
        self.shutdown.cancel();
        let task = self.task.take().expect("running");
        task.await.expect("join")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn metric_value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Polls `check` every 50 ms until it holds; panics with `what` after 10 s. A correctness
/// deadline for asynchronous delivery, not a performance assertion.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A real MQTT client publishing QoS 1; counts the PUBACKs it receives.
pub struct Publisher {
    client: AsyncClient,
    pub acks: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Publisher {
    pub async fn connect(port: u16) -> Publisher {
        let id = CLIENT_IDS.fetch_add(1, Ordering::Relaxed);
        let o = MqttOptions::new(
            format!("test-pub-{}-{id}", std::process::id()),
            "127.0.0.1",
            port,
        );
        Publisher::connect_with(o).await
    }

    /// Connects with these options (client id, credentials).
    pub async fn connect_with(mut o: MqttOptions) -> Publisher {
        o.set_max_packet_size(4 << 20, 4 << 20);
        let (client, mut eventloop) = AsyncClient::new(o, 1000);
        let acks = Arc::new(AtomicUsize::new(0));
        let (connected_tx, connected_rx) = tokio::sync::oneshot::channel();
        let counter = acks.clone();
        let task = tokio::spawn(async move {
            let mut connected = Some(connected_tx);
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        if let Some(tx) = connected.take() {
                            let _ = tx.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::PubAck(_))) => {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), connected_rx)
            .await
            .expect("publisher connects within 10 s")
            .expect("publisher task alive");
        Publisher { client, acks, task }
    }

    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .expect("publish request queued");
    }

    /// Waits until the broker acknowledged `n` publishes in all.
    pub async fn wait_acked(&self, n: usize) {
        eventually(&format!("{n} PUBACKs"), || async {
            self.acks.load(Ordering::SeqCst) >= n
        })
        .await;
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Debian's Mosquitto on a free loopback port, killed on drop.
pub struct Mosquitto {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// Lines replacing the anonymous plain listener's security (TLS, password file).
    security: String,
}

impl Mosquitto {
    /// Starts Mosquitto. Fails the test (never skips it) when Mosquitto is not installed.
    pub fn start() -> Mosquitto {
        Mosquitto::start_secured("allow_anonymous true\n")
    }

    /// Starts Mosquitto with these listener security lines instead of `allow_anonymous true`.
    pub fn start_secured(security: &str) -> Mosquitto {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut m = Mosquitto {
            port: free_port(),
            child: None,
            dir,
            security: security.to_owned(),
        };
        m.launch();
        m
    }

    fn launch(&mut self) {
        let conf = self.dir.path().join("mosquitto.conf");
        // docs/mosquitto.conf's limits: an unbounded queue instead of the default 1000 that
        // drops QoS 1 for a subscriber that lags, and a bounded in-flight window (20,000).
        let text = format!(
            "listener {} 127.0.0.1\n{}persistence false\nmax_queued_messages 0\nmax_inflight_messages 20000\nlog_dest stderr\nlog_type error\n",
            self.port, self.security
        );
        std::fs::write(&conf, text).expect("write mosquitto.conf");
        let child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start mosquitto ({e}); run scripts/test.sh, which installs it")
            });
        self.child = Some(child);
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("mosquitto did not listen on port {} within 5 s", self.port);
    }

    /// SIGKILL: the broker vanishes without closing connections politely.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.kill();
    }
}

fn mosquitto_binary() -> PathBuf {
    [
        "/usr/sbin/mosquitto",
        "/usr/bin/mosquitto",
        "/usr/local/sbin/mosquitto",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .unwrap_or_else(|| PathBuf::from("mosquitto"))
}

/// Every request a [`recorder`] received: its path and JSON body (`Null` when not JSON).
pub type Recorded = Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// A real local HTTP server on `port` that records every request and answers `200` with
/// `answer`: a webhook receiver, or a stand-in for a provider's API the test cannot reach.
pub fn recorder(port: u16, answer: Value) -> (Recorded, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let seen: Recorded = Arc::default();
    let data = web::Data::new((seen.clone(), answer));
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |req: HttpRequest, body: web::Bytes, d: web::Data<(Recorded, Value)>| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                d.0.lock()
                    .expect("recorded")
                    .push((req.path().to_owned(), v));
                HttpResponse::Ok().json(&d.1)
            },
        ))
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .expect("bind the recorder")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (seen, handle)
}
