//! Alert notifications reach a real HTTP receiver started by the test: each signed as the
//! contract says (checked here with an independent HMAC), each alert change once, in order,
//! across a receiver outage and an ioc restart; what failed during the outage arrives when
//! the receiver returns.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::Value;

use crate::helpers::{eventually, free_port, spawn_app_with_rules, TestApp, PM25_STATION_RULE};

const SECRET: &str = "s3cret-for-the-test";

#[derive(Default)]
struct Seen {
    /// (event, delivery id, alert id) per accepted delivery.
    deliveries: Vec<(String, String, i64)>,
    /// (event, the alert's subject) per accepted delivery.
    subjects: Vec<(String, String)>,
    /// The alert ids a digest carried, per accepted digest.
    digests: Vec<Vec<i64>>,
    /// Deliveries whose signature or timestamp did not check out.
    bad: Vec<String>,
}

struct Receiver {
    seen: Arc<Mutex<Seen>>,
    server: actix_web::dev::ServerHandle,
}

async fn hook(
    req: HttpRequest,
    body: web::Bytes,
    seen: web::Data<Arc<Mutex<Seen>>>,
) -> HttpResponse {
    let header = |k: &str| {
        req.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let ts = header("X-IOC-Timestamp");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut seen = seen.lock().expect("seen");
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (t * 1000 - ioc::shell::now_ms()).abs() < 60_000);
    if header("X-IOC-Signature") != format!("sha256={expected}") || !fresh {
        seen.bad.push(String::from_utf8_lossy(&body).into_owned());
        return HttpResponse::Unauthorized().finish();
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    seen.deliveries
        .push((s("event"), s("id"), v["alert"]["id"].as_i64().unwrap_or(-1)));
    let subject = v["alert"]["subject"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    seen.subjects.push((s("event"), subject));
    if let Some(items) = v["deliveries"].as_array() {
        let ids = items
            .iter()
            .filter_map(|d| d["alert"]["id"].as_i64())
            .collect();
        seen.digests.push(ids);
    }
    HttpResponse::Ok().finish()
}

impl Receiver {
    fn start(port: u16, seen: Arc<Mutex<Seen>>) -> Receiver {
        let data = web::Data::new(seen.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(4 << 20))
                .route("/hook", web::post().to(hook))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .expect("bind the receiver")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            seen,
            server: handle,
        }
    }

    async fn stop(self) -> Arc<Mutex<Seen>> {
        self.server.stop(true).await;
        self.seen
    }

    fn events(&self) -> Vec<String> {
        self.seen
            .lock()
            .expect("seen")
            .deliveries
            .iter()
            .map(|d| d.0.clone())
            .collect()
    }
}

async fn start(dir: &Arc<tempfile::TempDir>, port: u16) -> TestApp {
    start_with(dir, port, "900").await
}

async fn start_with(dir: &Arc<tempfile::TempDir>, port: u16, escalate_after_s: &str) -> TestApp {
    start_limited(dir, port, escalate_after_s, "30").await
}

async fn start_limited(
    dir: &Arc<tempfile::TempDir>,
    port: u16,
    escalate_after_s: &str,
    max_per_minute: &str,
) -> TestApp {
    let url = format!("http://127.0.0.1:{port}/hook");
    spawn_app_with_rules(
        dir.clone(),
        PM25_STATION_RULE,
        &[
            ("IOC__NOTIFY__WEBHOOK_URL", url.as_str()),
            ("IOC__NOTIFY__WEBHOOK_SECRET", SECRET),
            ("IOC__NOTIFY__RETRY_INITIAL_S", "1"),
            ("IOC__NOTIFY__RETRY_MAX_S", "1"),
            ("IOC__NOTIFY__ESCALATE_AFTER_S", escalate_after_s),
            ("IOC__NOTIFY__MAX_PER_MINUTE", max_per_minute),
        ],
    )
    .await
}

async fn pm25(app: &TestApp, value: u32, n: usize) {
    pm25_at(app, "aq-0001", value, n).await;
}

async fn pm25_at(app: &TestApp, sensor: &str, value: u32, n: usize) {
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    let topic = format!("city/environment/hai-van/{sensor}");
    p.publish(&topic, format!(r#"{{"ts":{now},"pm25":{value}}}"#))
        .await;
    p.wait_acked(n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_alert_change_is_delivered_once_signed_across_an_outage_and_a_restart() {
    let port = free_port();
    let receiver = Receiver::start(port, Arc::new(Mutex::new(Seen::default())));
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = start(&dir, port).await;

    pm25(&app, 180, 1).await;
    eventually("alert.firing is delivered", || async {
        receiver.events() == ["alert.firing"]
    })
    .await;
    let id = receiver.seen.lock().expect("seen").deliveries[0].2;
    assert_eq!(app.ack(id, serde_json::json!({"by": "lan"})).await, 200);
    eventually("alert.acknowledged is delivered", || async {
        receiver.events() == ["alert.firing", "alert.acknowledged"]
    })
    .await;

    // The receiver goes down; the alert resolves; ioc restarts meanwhile.
    let seen = receiver.stop().await;
    pm25(&app, 20, 1).await;
    eventually("the alert resolved", || async {
        app.get(&format!("/api/v1/alerts/{id}")).await.1["state"] == "resolved"
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    app.stop().await.expect("stop");
    let app = start(&dir, port).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        seen.lock().expect("seen").deliveries.len(),
        2,
        "nothing arrives while the receiver is down"
    );
    // The alert's history shows each notification and how its delivery goes.
    let (_, detail) = app.get(&format!("/api/v1/alerts/{id}")).await;
    let told = detail["notifications"]
        .as_array()
        .expect("notifications")
        .clone();
    let events: Vec<&str> = told.iter().filter_map(|n| n["event"].as_str()).collect();
    assert_eq!(
        events,
        ["alert.firing", "alert.acknowledged", "alert.resolved"],
        "{detail}"
    );
    assert!(
        told[0]["delivered_ms"].is_i64() && told[2]["delivered_ms"].is_null(),
        "{detail}"
    );
    assert!(told[2]["attempts"].as_u64() >= Some(1), "{detail}");
    assert!(
        told[2]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be reached")),
        "{detail}"
    );

    let receiver = Receiver::start(port, seen);
    eventually(
        "alert.resolved arrives once the receiver is back",
        || async { receiver.events() == ["alert.firing", "alert.acknowledged", "alert.resolved"] },
    )
    .await;
    // And never again.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let seen = receiver.stop().await;
    {
        let seen = seen.lock().expect("seen");
        assert_eq!(seen.deliveries.len(), 3, "{:?}", seen.deliveries);
        assert!(seen.bad.is_empty(), "badly signed: {:?}", seen.bad);
        let mut ids: Vec<&String> = seen.deliveries.iter().map(|d| &d.1).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 3, "each delivery has its own id");
        assert!(seen.deliveries.iter().all(|d| d.2 == id));
    }
    let attempts = |result: &str| {
        format!("ioc_notify_attempts_total{{channel=\"webhook\",result=\"{result}\"}}")
    };
    assert_eq!(
        app.metric(&attempts("delivered")).await,
        1.0,
        "the restarted ioc delivered one"
    );
    assert!(
        app.metric(&attempts("failed")).await >= 1.0,
        "and failed while the receiver was down"
    );
    assert_eq!(
        app.metric("ioc_notify_outbox_waiting{channel=\"webhook\"}")
            .await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_left_unacknowledged_escalates_once_and_an_acknowledged_one_does_not() {
    let port = free_port();
    let receiver = Receiver::start(port, Arc::new(Mutex::new(Seen::default())));
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = start_with(&dir, port, "3").await;
    pm25_at(&app, "aq-0001", 180, 1).await;
    pm25_at(&app, "aq-0002", 180, 1).await;
    let told = |event: &'static str, subject: &'static str| {
        let seen = receiver.seen.clone();
        move || {
            let seen = seen.lock().expect("seen");
            seen.subjects
                .iter()
                .filter(|(e, s)| e == event && s == subject)
                .count()
        }
    };
    let second_fired = told("alert.firing", "sensor:aq-0002");
    eventually("both alerts are told", || async { second_fired() == 1 }).await;
    // aq-0002's alert is acknowledged at once; aq-0001's is left.
    let (_, all) = app.get("/api/v1/alerts?state=firing").await;
    let id = all["alerts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["subject"] == "sensor:aq-0002"))
        .and_then(|x| x["id"].as_i64())
        .expect("aq-0002's alert");
    assert_eq!(app.ack(id, serde_json::json!({"by": "minh"})).await, 200);
    let escalated = told("alert.escalated", "sensor:aq-0001");
    eventually("the unacknowledged alert escalates", || async {
        escalated() == 1
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(escalated(), 1, "once per firing");
    assert_eq!(
        told("alert.escalated", "sensor:aq-0002")(),
        0,
        "an acknowledged alert never escalates"
    );
    drop(app);
    let _ = receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_a_thousand_alerts_is_a_bounded_number_of_messages_covering_each_once() {
    let port = free_port();
    let receiver = Receiver::start(port, Arc::new(Mutex::new(Seen::default())));
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = start_limited(&dir, port, "900", "10").await;
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    for i in 0..1000 {
        let topic = format!("city/environment/hai-van/storm-{i:04}");
        p.publish(&topic, format!(r#"{{"ts":{now},"pm25":180}}"#))
            .await;
    }
    p.wait_acked(1000).await;
    let covered = || {
        let seen = receiver.seen.lock().expect("seen");
        let mut ids: Vec<i64> = seen.digests.iter().flatten().copied().collect();
        ids.extend(
            seen.deliveries
                .iter()
                .filter(|d| d.0 == "alert.firing")
                .map(|d| d.2),
        );
        ids
    };
    eventually("every alert of the storm is told", || async {
        covered().len() >= 1000
    })
    .await;
    let mut ids = covered();
    let messages = receiver.seen.lock().expect("seen").deliveries.len();
    assert!(
        messages <= 10,
        "{messages} messages in a minute for 1,000 alerts"
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "each alert told once");
    let _ = receiver.stop().await;
}

/// The interpreter with aiosmtpd (scripts/test.sh makes the venv and sets IOC_TEST_PYTHON).
fn python() -> String {
    std::env::var("IOC_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Python's aiosmtpd on `port`, keeping what it receives in the maildir `dir`.
struct SmtpServer(std::process::Child);

impl SmtpServer {
    fn start(port: u16, dir: &std::path::Path) -> SmtpServer {
        let child = std::process::Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start aiosmtpd with {} (scripts/test.sh installs it): {e}",
                    python()
                )
            });
        SmtpServer(child)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_in_vietnamese_and_english_reaches_a_real_smtp_server() {
    let port = free_port();
    let mail = tempfile::tempdir().expect("tempdir");
    let maildir = mail.path().join("box");
    let _smtp = SmtpServer::start(port, &maildir);
    eventually("aiosmtpd listens", || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await;
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with_rules(
        dir,
        PM25_STATION_RULE,
        &[
            ("IOC__NOTIFY__EMAIL_SMTP_URL", url.as_str()),
            ("IOC__NOTIFY__EMAIL_FROM", "IOC Đà Nẵng <ioc@danang.test>"),
            (
                "IOC__NOTIFY__EMAIL_TO",
                "truc.ban@danang.test,so.tnmt@danang.test",
            ),
        ],
    )
    .await;
    pm25(&app, 180, 1).await;
    let read = || -> Vec<String> {
        std::fs::read_dir(maildir.join("new"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    eventually("the email arrives", || async { !read().is_empty() }).await;
    let mails = read();
    assert_eq!(mails.len(), 1, "one email for one change");
    let m = &mails[0];
    assert!(
        m.contains("truc.ban@danang.test") && m.contains("so.tnmt@danang.test"),
        "{m}"
    );
    // Headers and body may be encoded (RFC 2047, quoted-printable or base64): decode the body
    // and check both languages.
    let text = decoded_body(m);
    assert!(
        text.contains("Cảnh báo mới") && text.contains("Alert firing"),
        "{text}"
    );
    assert!(
        text.contains("Mức độ: major") && text.contains("Severity: major"),
        "{text}"
    );
    let attempts = "ioc_notify_attempts_total{channel=\"email\",result=\"delivered\"}";
    assert_eq!(app.metric(attempts).await, 1.0);
}

/// The text body of a plain-text email, undoing its transfer encoding.
fn decoded_body(mail: &str) -> String {
    let (head, body) = mail
        .split_once("\n\n")
        .or_else(|| mail.split_once("\r\n\r\n"))
        .unwrap_or((mail, ""));
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap_or_default();
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    if head.contains("content-transfer-encoding: quoted-printable") {
        return quoted_printable(body);
    }
    body.to_owned()
}

fn quoted_printable(body: &str) -> String {
    let mut bytes = Vec::new();
    let raw = body.replace("=\r\n", "").replace("=\n", "");
    let mut it = raw.bytes().peekable();
    while let Some(b) = it.next() {
        if b == b'=' {
            let hex: Vec<u8> = it.by_ref().take(2).collect();
            match u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or(""), 16) {
                Ok(v) => bytes.push(v),
                Err(_) => bytes.extend([b'=']),
            }
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
