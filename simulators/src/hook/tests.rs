use std::sync::Mutex;

use actix_web::test::{call_service, init_service, TestRequest};
use ioc::notify::signature_header;

use super::*;

const SECRET: &[u8] = b"demo-secret";
const NOW_MS: i64 = 1_765_180_000_000;

fn now() -> i64 {
    NOW_MS
}

fn alert_body() -> Vec<u8> {
    serde_json::json!({
        "event": "alert.firing",
        "id": "alert-7-firing-3",
        "sent_at": "2025-12-08T07:46:40Z",
        "alert": {"id": 7, "title": "Water level at warning level III (350 cm): flooding",
                  "severity": "critical", "district": "cam-le", "subject": "sensor:wl-0021"}
    })
    .to_string()
    .into_bytes()
}

/// What the hook printed: accepted lines and warnings.
type Lines = Arc<Mutex<Vec<Result<String, String>>>>;

/// A hook on a fixed clock whose lines are kept.
fn hook() -> (Arc<Hook>, Lines) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let hook = Hook {
        secret: SECRET.to_vec(),
        print: Box::new(move |l| sink.lock().expect("lines").push(l)),
        clock: now,
    };
    (Arc::new(hook), lines)
}

#[test]
fn a_delivery_signed_by_ioc_verifies_and_any_change_to_it_does_not() {
    let body = alert_body();
    let ts = NOW_MS / 1000;
    let sig = signature_header(SECRET, ts, &body);
    let check = |secret: &[u8], ts: i64, sig: &str, body: &[u8]| {
        verify(
            secret,
            Some(&ts.to_string()),
            Some(sig),
            body,
            NOW_MS / 1000,
        )
    };
    assert_eq!(check(SECRET, ts, &sig, &body), Ok(()));
    assert_eq!(check(b"another", ts, &sig, &body), Err(Refusal::Mismatch));
    assert_eq!(check(SECRET, ts, &sig, b"{}"), Err(Refusal::Mismatch));
    assert_eq!(
        check(SECRET, ts + 1, &sig, &body),
        Err(Refusal::Mismatch),
        "the time is signed"
    );
    let old = ts - 301;
    let old_sig = signature_header(SECRET, old, &body);
    assert_eq!(check(SECRET, old, &old_sig, &body), Err(Refusal::Skew(301)));
    assert_eq!(
        check(SECRET, ts, "sha256=zz", &body),
        Err(Refusal::BadFormat)
    );
    assert_eq!(
        verify(SECRET, None, Some(&sig), &body, ts),
        Err(Refusal::Missing("X-IOC-Timestamp"))
    );
}

#[test]
fn the_line_says_what_the_alert_the_incident_or_the_digest_is() {
    let alert = summary(&alert_body());
    assert!(alert.starts_with("alert.firing"), "{alert}");
    assert!(
        alert.ends_with("alert-7-firing-3  Water level at warning level III (350 cm): flooding · critical · cam-le"),
        "{alert}"
    );
    let incident = serde_json::json!({"event": "incident.opened", "id": "incident-3-opened-1",
        "incident": {"title": "Ngập lụt: flooding (2 × camera)", "status": "open", "district": "cam-le"}});
    let line = summary(incident.to_string().as_bytes());
    assert!(
        line.ends_with("Ngập lụt: flooding (2 × camera) · open · cam-le"),
        "{line}"
    );
    let digest = serde_json::json!({"event": "alert.digest", "id": "digest-2-a", "count": 2,
        "deliveries": [{"event": "alert.firing"}, {"event": "alert.resolved"}]});
    assert!(summary(digest.to_string().as_bytes()).ends_with("digest of 2"));
    assert!(summary(b"\xff").contains("not JSON"));
}

#[actix_web::test]
async fn a_signed_post_on_any_path_is_answered_200_and_printed_a_forged_one_401_and_warned() {
    let (hook, lines) = hook();
    let app = init_service(App::new().configure(configure(hook))).await;
    let body = alert_body();
    let ts = NOW_MS / 1000;
    let signed = TestRequest::post()
        .uri("/any/path")
        .insert_header(("X-IOC-Event", "alert.firing"))
        .insert_header(("X-IOC-Timestamp", ts.to_string()))
        .insert_header(("X-IOC-Signature", signature_header(SECRET, ts, &body)))
        .set_payload(body.clone())
        .to_request();
    assert_eq!(call_service(&app, signed).await.status(), 200);
    let forged = TestRequest::post()
        .uri("/ioc")
        .insert_header(("X-IOC-Event", "alert.firing"))
        .insert_header(("X-IOC-Timestamp", ts.to_string()))
        .insert_header(("X-IOC-Signature", signature_header(b"guess", ts, &body)))
        .set_payload(body)
        .to_request();
    assert_eq!(call_service(&app, forged).await.status(), 401);
    let get = TestRequest::get().uri("/").to_request();
    assert_eq!(call_service(&app, get).await.status(), 405);

    let lines = lines.lock().expect("lines").clone();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let ok = lines[0].as_ref().expect("accepted");
    assert!(ok.starts_with("2025-12-08T07:46:40"), "{ok}");
    assert!(
        ok.contains("alert.firing") && ok.contains("critical · cam-le"),
        "{ok}"
    );
    let warning = lines[1].as_ref().expect_err("refused");
    assert!(
        warning.contains("REFUSED") && warning.contains("does not match"),
        "{warning}"
    );
}

#[tokio::test]
async fn the_hook_serves_on_a_port_until_stopped() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let addr = listener.local_addr().expect("addr");
    let (hook, lines) = hook();
    let hook = Arc::into_inner(hook).expect("one owner");
    let hook = Hook {
        clock: crate::pacing::wall_clock_ms,
        ..hook
    };
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, hook, stop.clone()));
    let body = alert_body();
    let ts = crate::pacing::wall_clock_ms() / 1000;
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/ioc"))
        .header("X-IOC-Timestamp", ts.to_string())
        .header("X-IOC-Signature", signature_header(SECRET, ts, &body))
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 200);
    stop.cancel();
    server.await.expect("joined").expect("served");
    assert_eq!(lines.lock().expect("lines").len(), 1);
}
