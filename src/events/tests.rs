use serde_json::json;

use super::*;
use crate::model::invariants::demo_city;

const NOW: i64 = 1_780_000_000_000;

fn at(topic: Option<&str>) -> Arrival<'_> {
    Arrival {
        topic_district: topic,
        source: "cam-17",
        received_ms: NOW,
    }
}

fn check(body: serde_json::Value, topic: Option<&str>) -> Result<Event, EventError> {
    decode(body.to_string().as_bytes(), at(topic), demo_city())
}

#[test]
fn a_citizen_report_and_a_detection_are_accepted() {
    let report = check(
        json!({"id": "r-1", "kind": "citizen_report", "category": "Flooding", "district": "hai-chau",
               "lat": 16.06, "lon": 108.22, "description": "Nước ngập nửa bánh xe",
               "photo_url": "https://example.vn/p.jpg", "contact": {"name": "An", "phone": "0905"}}),
        None,
    )
    .expect("report");
    assert_eq!(report.category.as_deref(), Some("flooding"));
    assert_eq!(report.ts_ms, NOW);
    assert!(report.clone().without_contact().contact.is_none());
    let cam = check(
        json!({"id": "c-1", "kind": "camera", "class": "flooding", "confidence": 0.9,
               "lat": 16.06, "lon": 108.22, "ts": NOW - 1000}),
        Some("hai-chau"),
    )
    .expect("camera");
    assert_eq!(
        (cam.camera.as_deref(), cam.district.as_str()),
        (Some("cam-17"), "hai-chau")
    );
    assert_eq!(cam.what(), "flooding");
}

#[test]
fn each_bad_event_says_why() {
    let base = json!({"id": "c-1", "kind": "camera", "class": "crowd", "confidence": 0.5,
                      "district": "hai-chau", "lat": 16.0, "lon": 108.0});
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (json!({"id": null}), "missing_field", "id"),
        (
            json!({"kind": "drone"}),
            "invalid_field",
            "citizen_report or camera",
        ),
        (json!({"confidence": 1.5}), "invalid_field", "0 to 1"),
        (
            json!({"district": "atlantis"}),
            "unknown_district",
            "atlantis",
        ),
        (json!({"lat": 91}), "invalid_field", "-90 to 90"),
        (json!({"ts": 1_700_000_000}), "invalid_field", "seconds"),
        (json!({"ts": NOW + 3_600_000}), "invalid_field", "future"),
        (json!({"category": "x"}), "invalid_field", "citizen reports"),
        (
            json!({"snapshot_url": "ftp://x"}),
            "invalid_field",
            "https://",
        ),
        (json!({"bbox": [1, 2]}), "invalid_field", "unknown field"),
        (json!({"id": "a b"}), "invalid_field", "A-Z"),
    ];
    for (patch, code, says) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        let e = check(body.clone(), None).expect_err(&body.to_string());
        assert_eq!(e.code(), code, "{body}: {e}");
        assert!(e.to_string().contains(says), "{body}: {e}");
    }
    let e = check(base.clone(), Some("son-tra")).expect_err("mismatch");
    assert_eq!(e.code(), "district_mismatch");
    let e = decode(b"[1]", at(None), demo_city()).expect_err("array");
    assert_eq!(e.code(), "invalid_json");
    let big = vec![b' '; MAX_EVENT_BYTES + 1];
    assert_eq!(
        decode(&big, at(None), demo_city()).expect_err("big").code(),
        "payload_too_large"
    );
}

#[test]
fn rules_match_kind_class_and_confidence() {
    let rule: EventRule = toml::from_str(
        "id = \"flood\"\nkind = \"camera\"\nwhat = [\"flooding\"]\nmin_confidence = 0.6\ncount = 2\n",
    )
    .expect("rule");
    let mut e = check(
        json!({"id": "c-1", "kind": "camera", "class": "flooding", "confidence": 0.9,
               "district": "hai-chau", "lat": 16.0, "lon": 108.0}),
        None,
    )
    .expect("event");
    assert!(rule.matches(&e));
    e.confidence = Some(0.5);
    assert!(!rule.matches(&e));
    e.confidence = Some(0.9);
    e.class = Some("crowd".into());
    assert!(!rule.matches(&e));
    assert!(
        validate_rules(&[rule.clone(), rule], None).is_err(),
        "duplicate ids"
    );
}
