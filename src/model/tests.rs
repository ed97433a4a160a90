use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_763_880_000_000;

fn city() -> City {
    static CITY: std::sync::LazyLock<City> = std::sync::LazyLock::new(|| {
        City::from_config(&crate::model::CityConfig::demo().expect("demo city"))
            .expect("valid city")
    });
    CITY.clone()
}

fn limits() -> DecoderLimits {
    DecoderLimits {
        topic_prefix: "city".into(),
        max_payload_bytes: 4096,
        max_batch_readings: 10,
        max_future_skew_ms: 300_000,
    }
}

fn decode(topic: &str, payload: &str) -> Decoded {
    let city = city();
    let limits = limits();
    Decoder::new(&city, &limits).decode(topic, payload.as_bytes(), NOW)
}

fn reasons(d: &Decoded) -> Vec<&'static str> {
    d.rejections.iter().map(|r| r.reason.as_str()).collect()
}

#[test]
fn a_traffic_object_becomes_one_reading_per_metric() {
    let d = decode(
        "city/traffic/hai-chau/tl-0042",
        r#"{"ts": 1763880000000, "seq": 5012, "vehicle_count": 42, "avg_speed_kmh": 31.5, "occupancy_pct": 38.0}"#,
    );
    assert_eq!(d.outcome(), Outcome::Accepted, "{:?}", d.rejections);
    assert_eq!(d.readings.len(), 3);
    assert!(d
        .readings
        .iter()
        .all(|r| r.ts_ms == NOW && r.seq == Some(5012) && r.registered));
    assert_eq!(&*d.readings[0].sensor, "tl-0042");
}

#[test]
fn a_missing_ts_means_the_receive_time_and_rfc3339_is_accepted() {
    let d = decode("city/environment/hai-chau/aq-0019", r#"{"pm25": 20.5}"#);
    assert_eq!(d.readings[0].ts_ms, NOW);
    let d = decode(
        "city/environment/hai-chau/aq-0019",
        r#"{"ts": "2025-11-23T13:40:00+07:00", "pm25": 20.5}"#,
    );
    assert_eq!(d.readings[0].ts_ms, NOW);
}

#[test]
fn a_bad_field_is_rejected_and_the_rest_of_the_record_kept() {
    let d = decode(
        "city/traffic/hai-chau/tl-0042",
        r#"{"vehicle_count": "many", "avg_speed_kmh": 999, "colour": 3, "occupancy_pct": 12}"#,
    );
    assert_eq!(d.outcome(), Outcome::Partial);
    assert_eq!(d.readings.len(), 1);
    let mut r = reasons(&d);
    r.sort_unstable();
    assert_eq!(r, ["non_numeric_value", "out_of_range", "unknown_metric"]);
    let field = |reason| {
        d.rejections
            .iter()
            .find(|x| x.reason == reason)
            .and_then(|x| x.field.clone())
    };
    assert_eq!(field(Reason::OutOfRange).as_deref(), Some("avg_speed_kmh"));
}

#[test]
fn a_message_with_no_valid_metric_is_rejected_whole() {
    let d = decode("city/traffic/hai-chau/tl-0042", r#"{"ts": 1763880000000}"#);
    assert_eq!(d.outcome(), Outcome::Rejected);
    assert_eq!(reasons(&d), ["no_valid_metric"]);
    let d = decode(
        "city/traffic/hai-chau/tl-0042",
        r#"{"vehicle_count": null}"#,
    );
    assert_eq!(d.outcome(), Outcome::Rejected);
    assert_eq!(reasons(&d), ["non_numeric_value"]);
}

#[test]
fn each_malformed_payload_gets_its_own_reason() {
    let t = "city/traffic/hai-chau/tl-0042";
    let cases: [(&[u8], &str); 6] = [
        (b"{not json", "malformed_json"),
        (b"", "empty_payload"),
        (b"[]", "empty_payload"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b"42", "invalid_shape"),
        (b"[1, 2]", "invalid_shape"),
    ];
    let city = city();
    let limits = limits();
    for (payload, want) in cases {
        let d = Decoder::new(&city, &limits).decode(t, payload, NOW);
        assert_eq!(d.outcome(), Outcome::Rejected, "{payload:?}");
        assert!(
            reasons(&d).iter().all(|r| *r == want),
            "{payload:?}: {:?}",
            d.rejections
        );
    }
    let big = format!(r#"{{"vehicle_count": 1, "pad": "{}"}}"#, "x".repeat(5000));
    assert_eq!(reasons(&decode(t, &big)), ["payload_too_large"]);
}

#[test]
fn topics_route_or_say_why_not() {
    let p = r#"{"vehicle_count": 1}"#;
    assert_eq!(
        reasons(&decode("town/traffic/hai-chau/tl-0042", p)),
        ["bad_topic"]
    );
    assert_eq!(reasons(&decode("city/traffic/hai-chau", p)), ["bad_topic"]);
    assert_eq!(
        reasons(&decode("city/traffic/hai-chau/tl-0042/x", p)),
        ["bad_topic"]
    );
    assert_eq!(
        reasons(&decode("city/parking/hai-chau/tl-0042", p)),
        ["unknown_domain"]
    );
    assert_eq!(
        reasons(&decode("city/traffic/atlantis/tl-0042", p)),
        ["unknown_district"]
    );
    assert_eq!(
        reasons(&decode("city/traffic/son-tra/tl-0042", p)),
        ["sensor_mismatch"]
    );
    let d = decode("city/parking/hai-chau/tl-0042", p);
    assert!(d.rejections[0]
        .detail
        .contains("traffic, environment, public_service"));
}

#[test]
fn an_unregistered_sensor_in_a_known_district_is_accepted_and_flagged() {
    let d = decode("city/traffic/hai-chau/tl-9999", r#"{"vehicle_count": 3}"#);
    assert_eq!(d.outcome(), Outcome::Accepted);
    assert!(!d.readings[0].registered);
}

#[test]
fn timestamps_in_seconds_or_far_future_are_rejected() {
    let t = "city/traffic/hai-chau/tl-0042";
    assert_eq!(
        reasons(&decode(t, r#"{"ts": 1763880000, "vehicle_count": 1}"#)),
        ["bad_timestamp"]
    );
    assert_eq!(
        reasons(&decode(t, r#"{"ts": "yesterday", "vehicle_count": 1}"#)),
        ["bad_timestamp"]
    );
    let future = format!(r#"{{"ts": {}, "vehicle_count": 1}}"#, NOW + 3_600_000);
    assert_eq!(reasons(&decode(t, &future)), ["timestamp_in_future"]);
    let d = decode(t, r#"{"seq": -1, "vehicle_count": 1}"#);
    assert_eq!(
        (d.outcome(), reasons(&d)),
        (Outcome::Partial, vec!["bad_seq"])
    );
}

#[test]
fn a_batch_keeps_good_records_and_rejects_bad_ones() {
    let d = decode(
        "city/traffic/hai-chau/tl-0042",
        r#"[{"ts": 1763879940000, "vehicle_count": 40}, {"ts": "bad", "vehicle_count": 41}, 7, {"ts": 1763880000000, "vehicle_count": 42}]"#,
    );
    assert_eq!(d.outcome(), Outcome::Partial);
    assert_eq!(
        d.readings.iter().map(|r| r.value).collect::<Vec<_>>(),
        [40.0, 42.0]
    );
    assert_eq!(reasons(&d), ["bad_timestamp", "invalid_shape"]);
    let many = format!("[{}]", [r#"{"vehicle_count": 1}"#; 11].join(","));
    assert_eq!(
        reasons(&decode("city/traffic/hai-chau/tl-0042", &many)),
        ["batch_too_large"]
    );
}

#[test]
fn senml_packs_resolve_names_and_times() {
    let d = decode(
        "city/environment/hai-chau/aq-0019",
        r#"[{"bn": "urn:dev:aq-0019:", "bt": 1763880000, "n": "pm25", "v": 20.3},
            {"n": "pm10", "t": -60, "v": 41},
            {"n": "status", "vs": "ok"}]"#,
    );
    assert_eq!(d.readings.len(), 2, "{:?}", d.rejections);
    assert_eq!(d.readings[0].ts_ms, NOW);
    assert_eq!(d.readings[1].ts_ms, NOW - 60_000);
    assert_eq!(reasons(&d), ["unknown_metric"]);
    let rel = decode(
        "city/environment/hai-chau/aq-0019",
        r#"[{"n": "pm25", "v": 1, "t": -5}]"#,
    );
    assert_eq!(rel.readings[0].ts_ms, NOW - 5000);
}

#[test]
fn a_senml_pack_of_base_fields_only_is_rejected_with_a_reason() {
    // Found by the fuzz target `decode` (docs/fuzzing.md): such a pack had no reading and no
    // rejection, so the message counted as rejected with no reason counted or logged.
    let d = decode(
        "city/environment/hai-chau/aq-0019",
        r#"[{"bn": "urn:dev:aq-0019:", "bt": 1763880000}, {"bv": 1}]"#,
    );
    assert_eq!(d.outcome(), Outcome::Rejected);
    assert_eq!(reasons(&d), ["no_valid_metric"]);
}

#[test]
fn a_bad_topic_level_is_quoted_back_truncated() {
    // Found by the fuzz target `decode`: a topic level of any length was quoted in full, so
    // one rejection logged for /api/v1/ingest/rejections could hold a whole 64 KiB topic.
    let topic = format!("city/{}/hai-chau/tl-0042", "\u{1a}".repeat(5000));
    let d = decode(&topic, r#"{"vehicle_count": 1}"#);
    assert_eq!(reasons(&d), ["bad_topic"]);
    assert!(
        d.rejections[0].detail.len() < 600,
        "{}",
        d.rejections[0].detail
    );
    assert!(d.rejections[0].detail.contains("domain level"));
}

#[test]
fn a_city_with_a_sensor_in_an_unknown_district_names_the_entry() {
    let mut cfg = crate::model::CityConfig::demo().expect("demo");
    cfg.sensors[3].district = "atlantis".into();
    let err = City::from_config(&cfg).unwrap_err().to_string();
    assert!(
        err.contains("sensors[3].district") && err.contains("atlantis"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_on_any_topic_never_panic(topic in "\\PC{0,80}", payload in proptest::collection::vec(any::<u8>(), 0..600)) {
        let city = city();
        let limits = limits();
        let d = Decoder::new(&city, &limits).decode(&topic, &payload, NOW);
        prop_assert!(d.outcome() != Outcome::Accepted || d.rejections.is_empty());
    }

    #[test]
    fn arbitrary_json_on_a_valid_topic_never_panics(json in arb_json()) {
        let city = city();
        let limits = limits();
        let payload = json.to_string();
        let d = Decoder::new(&city, &limits).decode("city/environment/hai-chau/aq-0019", payload.as_bytes(), NOW);
        for r in &d.readings {
            let m = city.metric(r.metric);
            prop_assert!(r.value >= m.min && r.value <= m.max);
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        Just("ts".to_owned()),
        Just("seq".to_owned()),
        Just("pm25".to_owned()),
        Just("bn".to_owned()),
        Just("n".to_owned()),
        Just("v".to_owned()),
        Just("t".to_owned()),
        Just("bt".to_owned()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 40, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn sensor_ids_made_only_of_dots_are_refused_in_topics() {
    let p = r#"{"vehicle_count": 1}"#;
    for id in [".", "..", "..."] {
        let d = decode(&format!("city/traffic/hai-chau/{id}"), p);
        assert_eq!(reasons(&d), ["bad_topic"], "{id}");
        assert!(d.rejections[0].detail.contains("not dots only"), "{d:?}");
    }
    assert_eq!(
        reasons(&decode("city/traffic/../tl-0042", p)),
        ["bad_topic"]
    );
    assert_eq!(
        decode("city/traffic/hai-chau/a.b", p).outcome(),
        Outcome::Accepted
    );
}

#[test]
fn a_fractional_ts_is_refused_and_a_whole_float_kept() {
    let t = "city/traffic/hai-chau/tl-0042";
    let d = decode(t, r#"{"ts": 1763880000000.5, "vehicle_count": 1}"#);
    assert_eq!(reasons(&d), ["bad_timestamp"]);
    assert!(d.rejections[0].detail.contains("whole number"), "{d:?}");
    let whole = decode(t, r#"{"ts": 1.76388e12, "vehicle_count": 1}"#);
    assert_eq!(whole.readings[0].ts_ms, 1_763_880_000_000);
}

#[test]
fn a_senml_pack_of_an_unknown_version_is_refused() {
    let t = "city/environment/hai-chau/aq-0019";
    let d = decode(t, r#"[{"bver": 99, "n": "pm25", "v": 20}]"#);
    assert_eq!(d.outcome(), Outcome::Rejected);
    assert_eq!(reasons(&d), ["invalid_shape"]);
    assert!(d.rejections[0].detail.contains("bver 99"), "{d:?}");
    assert_eq!(
        reasons(&decode(t, r#"[{"bver": "x", "n": "pm25", "v": 20}]"#)),
        ["invalid_shape"]
    );
    let v10 = decode(t, r#"[{"bver": 10, "n": "pm25", "v": 20}]"#);
    assert_eq!(v10.outcome(), Outcome::Accepted, "{v10:?}");
}

#[test]
fn a_senml_base_value_sum_that_overflows_is_reported_as_an_overflow() {
    let d = decode(
        "city/environment/hai-chau/aq-0019",
        r#"[{"bv": 1e308, "n": "pm25", "v": 1e308}]"#,
    );
    assert_eq!(reasons(&d), ["out_of_range"]);
    let detail = &d.rejections[0].detail;
    assert!(
        detail.contains("overflows") && !detail.contains("got 1e+308"),
        "{detail}"
    );
}
