//! Short-message channels and quiet hours. Telegram's API cannot be reached from the test
//! machine, so a local HTTP server stands in for it (a fake peer, the only one here): it
//! answers like Telegram's `sendMessage` and records what it was sent. The quiet-hours window
//! is set around the current local time, so a major alert is held on the quiet channel while
//! the webhook (not quiet) gets it, and a critical one goes out at once.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{eventually, free_port, spawn_app_from, BrokerKind, TestApp};

const TOKEN: &str = "123456:test-token";

const RULES: &str = r#"
[[rules]]
id = "pm25-station"
signal = "pm25"
severity = "major"
scope = { level = "sensor" }
kind = "threshold"
direction = "above"
raise = 150
clear = 100

[[rules]]
id = "water-critical"
description = "Mực nước vượt báo động III"
signal = "water_level_cm"
severity = "critical"
scope = { level = "sensor" }
kind = "threshold"
direction = "above"
raise = 350
clear = 300
"#;

/// Local minute of day in Đà Nẵng (UTC+7, no daylight saving).
fn local_window() -> String {
    let minute = ((ioc::shell::now_ms() / 60_000 + 7 * 60) % 1440) as u32;
    let at = |m: u32| format!("{:02}:{:02}", (m % 1440) / 60, m % 60);
    format!("{}-{}", at(minute + 1440 - 60), at(minute + 60))
}

async fn start(dir: Arc<tempfile::TempDir>, port: u16) -> TestApp {
    let token = dir.path().join("telegram.token");
    std::fs::write(&token, format!("{TOKEN}\n")).expect("token file");
    let rules = dir.path().join("alerts.toml");
    std::fs::write(&rules, RULES).expect("rules");
    let config = dir.path().join("ioc.toml");
    let text = format!(
        r#"
[alerts]
rules_path = "{rules}"

[notify]
webhook_url = "http://127.0.0.1:{port}/hook"
webhook_secret = "s"
quiet_hours = "{window}"
quiet_channels = ["telegram"]
quiet_min_severity = "critical"

[[notify.messaging]]
name = "telegram"
preset = "telegram"
url = "http://127.0.0.1:{port}/bot{{{{token}}}}/sendMessage"
to = "-1001234567890"
token_file = "{token}"
max_chars = 300
"#,
        rules = rules.display(),
        token = token.display(),
        window = local_window(),
    );
    std::fs::write(&config, text).expect("config");
    spawn_app_from(dir, Some(config), BrokerKind::Embedded, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_channel_keeps_quiet_hours_for_all_but_the_critical() {
    let port = free_port();
    let telegram = json!({"ok": true, "result": {"message_id": 1}});
    let (seen, server) = crate::helpers::recorder(port, telegram);
    let app = start(Arc::new(tempfile::tempdir().expect("tempdir")), port).await;
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    p.publish(
        "city/environment/hai-van/aq-0001",
        format!(r#"{{"ts":{now},"pm25":220}}"#),
    )
    .await;
    let hook = |s: &crate::helpers::Recorded| {
        s.lock()
            .expect("seen")
            .iter()
            .filter(|(p, _)| p == "/hook")
            .count()
    };
    let sent = |s: &crate::helpers::Recorded| -> Vec<Value> {
        s.lock()
            .expect("seen")
            .iter()
            .filter(|(p, _)| p.ends_with("/sendMessage"))
            .map(|(_, v)| v.clone())
            .collect()
    };
    eventually("the webhook, not quiet, gets the major alert", || async {
        hook(&seen) == 1
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(
        sent(&seen).is_empty(),
        "the quiet channel holds a major alert: {:?}",
        sent(&seen)
    );

    p.publish(
        "city/environment/hai-chau/wl-0007",
        format!(r#"{{"ts":{now},"water_level_cm":380}}"#),
    )
    .await;
    eventually(
        "the critical alert goes out on the quiet channel at once",
        || async { sent(&seen).len() == 1 },
    )
    .await;
    let message = &sent(&seen)[0];
    assert_eq!(message["chat_id"], "-1001234567890");
    let text = message["text"].as_str().expect("text");
    assert!(
        text.contains("Mực nước vượt báo động III") && text.contains("Alert firing"),
        "{text}"
    );
    let path = seen
        .lock()
        .expect("seen")
        .iter()
        .find(|(p, _)| p.ends_with("/sendMessage"))
        .map(|(p, _)| p.clone());
    assert_eq!(
        path.as_deref(),
        Some(format!("/bot{TOKEN}/sendMessage").as_str()),
        "the token from its file"
    );
    let m = app.metrics().await;
    let attempts = crate::helpers::metric_value(
        &m,
        r#"ioc_notify_attempts_total{channel="telegram",result="delivered"}"#,
    );
    assert_eq!(attempts, 1.0);
    eventually(
        "the major alert waits for the end of the quiet hours",
        || async {
            let m = app.metrics().await;
            crate::helpers::metric_value(&m, r#"ioc_notify_outbox_waiting{channel="telegram"}"#)
                == 1.0
        },
    )
    .await;
    assert_eq!(sent(&seen).len(), 1, "and is still not sent");
    server.stop(true).await;
}
