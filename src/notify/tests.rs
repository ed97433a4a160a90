use super::*;

/// HMAC-SHA256 in hex, straight from the hmac crate.
fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    m.update(data);
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
    // RFC 4231 test case 2: the HMAC used is the standard one.
    assert_eq!(
        hmac_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let expected = hmac_hex(b"s3cret", b"1700000000.{\"a\":1}");
    assert_eq!(
        signature_header(b"s3cret", 1_700_000_000, br#"{"a":1}"#),
        format!("sha256={expected}")
    );
    assert_eq!(sign(b"s3cret", 1_700_000_000, br#"{"a":1}"#), expected);
}

#[test]
fn settings_refuse_an_unsigned_or_odd_webhook_with_the_reason() {
    let ok = NotifySettings {
        webhook_url: "http://127.0.0.1:9/hook".into(),
        webhook_secret: "k".into(),
        webhook_secret_file: String::new(),
        timeout_s: 10,
        retry_initial_s: 1,
        retry_max_s: 300,
        keep_delivered_days: 7,
        escalate_after_s: 900,
        max_per_minute: 30,
        email_smtp_url: String::new(),
        email_from: String::new(),
        email_to: Vec::new(),
        routes: Vec::new(),
        messaging: Vec::new(),
        quiet_hours: String::new(),
        quiet_channels: Vec::new(),
        quiet_min_severity: "critical".into(),
    };
    assert!(ok.validate().is_ok());
    for (hours, channels, least, says) in [
        ("22h-6h", vec![], "critical", "quiet_hours"),
        (
            "22:00-06:00",
            vec!["sms".to_owned()],
            "critical",
            "quiet_channels",
        ),
        ("22:00-06:00", vec![], "loud", "quiet_min_severity"),
    ] {
        let quiet = NotifySettings {
            quiet_hours: hours.into(),
            quiet_channels: channels,
            quiet_min_severity: least.into(),
            ..ok.clone()
        };
        let e = quiet.validate().expect_err("refused").to_string();
        assert!(e.contains(says), "{e}");
    }
    let unsigned = NotifySettings {
        webhook_secret: String::new(),
        ..ok.clone()
    };
    assert!(unsigned
        .validate()
        .expect_err("refused")
        .to_string()
        .contains("signed"));
    let silent = NotifySettings {
        max_per_minute: 0,
        ..ok.clone()
    };
    assert!(silent.validate().is_err(), "a cap of 0 would never send");
    let mailless = NotifySettings {
        email_smtp_url: "smtp://127.0.0.1:25".into(),
        ..ok.clone()
    };
    assert!(
        mailless.validate().is_err(),
        "email needs a sender and recipients"
    );
    let ftp = NotifySettings {
        webhook_url: "ftp://x".into(),
        ..ok.clone()
    };
    assert!(ftp.validate().is_err());
    let off = NotifySettings {
        webhook_url: String::new(),
        webhook_secret: String::new(),
        ..ok
    };
    assert!(off.validate().is_ok() && !off.enabled());
}

#[test]
fn an_unacknowledged_firing_alert_escalates_after_its_delay_once_per_firing() {
    use crate::alerts::tests::{engine, pm25, MIN, PM25_150_120, T0};
    let mut e = engine(PM25_150_120);
    let firing: Vec<crate::alerts::Alert> = e
        .observe(&pm25(151.0, T0), T0)
        .into_iter()
        .map(|c| c.alert)
        .filter(|a| a.state == crate::alerts::AlertState::Firing)
        .collect();
    assert_eq!(firing.len(), 1);
    let fired = firing[0].fired_ms.expect("fired");
    let after = 15 * MIN;
    assert!(
        escalate::due(&firing, fired + after - 1, after).is_empty(),
        "not before the delay"
    );
    assert_eq!(escalate::due(&firing, fired + after, after).len(), 1);
    let mut acked = firing.clone();
    acked[0].acknowledged = Some(crate::alerts::Ack {
        by: "lan".into(),
        at_ms: fired + MIN,
        comment: String::new(),
    });
    assert!(
        escalate::due(&acked, fired + 2 * after, after).is_empty(),
        "never once acknowledged"
    );
    let mut reopened = firing.clone();
    reopened[0].fired_ms = Some(fired + 3 * after);
    assert_ne!(
        escalate::id(&firing[0]),
        escalate::id(&reopened[0]),
        "a new firing escalates anew"
    );
}

#[test]
fn an_email_says_it_in_vietnamese_and_english() {
    let body = serde_json::json!({
        "event": "alert.firing",
        "id": "alert-7-firing-1",
        "alert": {"id": 7, "title": "PM2.5 above 150", "severity": "major", "subject": "sensor:aq-0001", "district": "hai-van", "value": 180.0}
    });
    let (subject, text) = render(&body);
    assert_eq!(
        subject,
        "[IOC] Cảnh báo mới / Alert firing: PM2.5 above 150 (sensor:aq-0001, major)"
    );
    assert!(
        text.contains("Mức độ: major") && text.contains("Severity: major"),
        "{text}"
    );
    let digest = serde_json::json!({"event": "alert.digest", "deliveries": [
        {"event": "alert.firing", "alert": body["alert"]},
        {"event": "alert.resolved", "alert": body["alert"]}
    ]});
    let (subject, text) = render(&digest);
    assert_eq!(subject, "[IOC] Tổng hợp cảnh báo: 2 / Alert digest: 2");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("- ")).count(),
        2,
        "{text}"
    );
}

#[test]
fn routes_send_each_change_to_the_channels_of_the_routes_it_matches() {
    use crate::alerts::tests::{engine, pm25, PM25_150_120, T0};
    let alert = engine(PM25_150_120)
        .observe(&pm25(151.0, T0), T0)
        .into_iter()
        .map(|c| c.alert)
        .find(|a| a.state == crate::alerts::AlertState::Firing)
        .expect("firing");
    let channels = vec!["webhook".to_owned(), "email".to_owned()];
    let everything = Routes::new(Vec::new(), channels.clone());
    assert_eq!(
        everything.channels_for(&alert, "alert.firing"),
        ["webhook", "email"]
    );
    let routes: Vec<Route> = toml::from_str::<toml::Table>(
        r#"
        [[r]]
        min_severity = "critical"
        channels = ["email"]
        [[r]]
        domains = ["environment"]
        events = ["alert.firing", "alert.escalated"]
        channels = ["webhook"]
        "#,
    )
    .expect("toml")["r"]
        .clone()
        .try_into()
        .expect("routes");
    let routed = Routes::new(routes.clone(), channels.clone());
    assert_eq!(
        routed.channels_for(&alert, "alert.firing"),
        ["webhook"],
        "major is below critical"
    );
    assert!(routed.channels_for(&alert, "alert.resolved").is_empty());
    let mut critical = alert.clone();
    critical.severity = crate::alerts::Severity::Critical;
    assert_eq!(routed.channels_for(&critical, "alert.resolved"), ["email"]);
    assert!(routes::validate(&routes, &channels).is_ok());
    assert!(
        routes::validate(&routes, &["webhook".to_owned()]).is_err(),
        "email is not configured"
    );
    let mut odd = routes.clone();
    odd[0].min_severity = Some("huge".into());
    let err = routes::validate(&odd, &channels)
        .expect_err("refused")
        .to_string();
    assert!(err.contains("huge") && err.contains("critical"), "{err}");
}
