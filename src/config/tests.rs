//! The loader as a user meets it: defaults, file and environment layered, and every bad value
//! refused with its key named.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Overrides {
    Overrides {
        file: None,
        env: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn built_in_defaults_are_valid_and_use_the_embedded_broker() {
    let s = load(&Overrides::default()).expect("defaults load");
    assert!(s.uses_embedded_broker());
    assert_eq!(s.mqtt.topic_prefix, "city");
    assert_eq!(s.broker.listen.to_string(), "127.0.0.1:1883");
}

#[test]
fn environment_overrides_a_nested_key() {
    let s = load(&env(&[
        ("IOC__MQTT__TOPIC_PREFIX", "hue"),
        ("IOC__HTTP__WORKERS", "3"),
    ]))
    .expect("loads");
    assert_eq!(s.mqtt.topic_prefix, "hue");
    assert_eq!(s.http.workers, 3);
}

#[test]
fn a_bad_value_names_the_key_the_value_and_what_is_allowed() {
    let err = load(&env(&[("IOC__MQTT__RECONNECT_INITIAL_MS", "1")])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("mqtt.reconnect_initial_ms"), "{msg}");
    assert!(msg.contains("= 1"), "{msg}");
    assert!(msg.contains("10 to 60000"), "{msg}");
}

#[test]
fn an_unknown_key_is_rejected_with_its_name() {
    let err = load(&env(&[("IOC__HTTP__LISTN", "0.0.0.0:80")])).unwrap_err();
    assert!(err.to_string().contains("listn"), "{err}");
}

#[test]
fn a_malformed_address_is_rejected() {
    let err = load(&env(&[("IOC__HTTP__LISTEN", "localhost")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("http.listen") && err.contains("localhost") && err.contains("127.0.0.1:8080"),
        "{err}"
    );
    let err = load(&env(&[("IOC__HTTP__WORKERS", "many")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("http.workers") && err.contains("many"),
        "{err}"
    );
}

#[test]
fn a_config_file_overrides_defaults_and_env_overrides_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.toml");
    std::fs::write(
        &path,
        "[mqtt]\nurl = \"mqtt://10.0.0.5:1883\"\nclient_id = \"from-file\"\n",
    )
    .expect("write");
    let s = load(&Overrides {
        file: Some(path),
        env: vec![("IOC__MQTT__CLIENT_ID".into(), "from-env".into())],
    })
    .expect("loads");
    assert!(!s.uses_embedded_broker());
    assert_eq!(s.mqtt.client_id, "from-env");
}

#[test]
fn a_missing_config_file_says_which() {
    let err = load(&Overrides {
        file: Some("/nonexistent/ioc.toml".into()),
        env: vec![],
    })
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ioc.toml"), "{err}");
}

#[test]
fn the_demo_city_parses() {
    let s = load(&Overrides::default()).expect("defaults");
    let city = load_city(&s).expect("demo city");
    assert_eq!(city.districts.len(), 12);
    assert!(city.sensors.len() >= 250);
}

fn error_of(pairs: &[(&str, &str)]) -> String {
    let env = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load(&Overrides { file: None, env })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
fn access_settings_are_checked_with_the_key_named() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("IOC__BROKER__LISTEN", "0.0.0.0:1883")], "broker.listen"),
        (&[("IOC__BROKER__USERNAME", "sensors")], "broker.password"),
        (
            &[("IOC__HTTP__CORS_ALLOWED_ORIGINS", "https://a.example/path")],
            "http.cors_allowed_origins",
        ),
        (
            &[("IOC__HTTP__CORS_ALLOWED_ORIGINS", "*")],
            "http.cors_allowed_origins",
        ),
        (
            &[
                ("IOC__AUTH__JWT_ALGORITHM", "HS256"),
                ("IOC__AUTH__JWT_SECRET", "short"),
            ],
            "auth.jwt_secret",
        ),
        (
            &[("IOC__AUTH__JWT_ALGORITHM", "none")],
            "auth.jwt_algorithm",
        ),
    ];
    for (env, key) in cases {
        let msg = error_of(env);
        assert!(msg.contains(key), "{env:?}: {msg}");
    }
    assert_eq!(
        error_of(&[(
            "IOC__HTTP__CORS_ALLOWED_ORIGINS",
            "https://ioc.danang.gov.vn,http://localhost:3000"
        )]),
        "",
        "a list of origins from the environment is accepted"
    );
}

#[test]
fn a_value_outside_a_closed_set_names_the_key_and_the_choices() {
    for (var, key) in [
        ("IOC__STORE__FSYNC", "store.fsync"),
        ("IOC__LOG__FORMAT", "log.format"),
    ] {
        let msg = error_of(&[(var, "sometimes")]);
        assert!(
            msg.contains(key) && msg.contains("sometimes"),
            "{var}: {msg}"
        );
    }
}

#[test]
fn the_rollup_flush_interval_defaults_to_30_s_and_is_bounded() {
    let s = load(&Overrides::default()).expect("defaults load");
    assert_eq!(s.store.rollup_flush_interval_s, 30);
    for bad in ["0", "3601"] {
        let msg = error_of(&[("IOC__STORE__ROLLUP_FLUSH_INTERVAL_S", bad)]);
        assert!(msg.contains("store.rollup_flush_interval_s"), "{msg}");
        assert!(msg.contains("1 to 3600"), "{msg}");
    }
}
