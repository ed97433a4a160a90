use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;

use super::hub::{Hub, Start, Trigger};
use super::mailbox::{Mailbox, Pushed};
use super::protocol::{parse, ProtocolError, Request};
use super::rate::Bucket;
use super::stream::{resolve, Catalog, StreamName};
use crate::telemetry::PushMetrics;

struct City;

impl Catalog for City {
    fn domains(&self) -> Vec<String> {
        vec!["traffic".into(), "environment".into()]
    }
    fn districts(&self) -> Vec<String> {
        vec!["hai-chau".into(), "son-tra".into()]
    }
    fn has_sensor(&self, id: &str) -> bool {
        id == "tl-0042"
    }
}

fn names(spec: &str) -> Vec<String> {
    resolve(spec, &City)
        .expect("resolves")
        .into_iter()
        .map(|n| n.name.to_string())
        .collect()
}

fn metrics() -> PushMetrics {
    crate::telemetry::Metrics::new(&[])
        .expect("metrics register")
        .push
}

fn hub(ring: usize) -> Hub {
    Hub::new("e1".into(), ring, metrics())
}

fn mailbox(id: u64, capacity: usize) -> Arc<Mailbox> {
    Arc::new(Mailbox::new(id, capacity, metrics().queue_frames))
}

fn json(f: &bytestring::ByteString) -> Value {
    serde_json::from_str(f).expect("frames are JSON")
}

const AS_OF: Trigger = Trigger::AsOf { refresh_ms: 5_000 };

#[test]
fn a_literal_stream_name_resolves_to_itself() {
    assert_eq!(names("kpi"), ["kpi"]);
    assert_eq!(names("alerts"), ["alerts"]);
    assert_eq!(names("sensor-status"), ["sensor-status"]);
    assert_eq!(
        names("indicators/traffic/hai-chau"),
        ["indicators/traffic/hai-chau"]
    );
    assert_eq!(names("sensor/tl-0042"), ["sensor/tl-0042"]);
}

#[test]
fn a_district_wildcard_names_the_city_and_every_district_of_the_domain() {
    assert_eq!(
        names("indicators/environment/*"),
        [
            "indicators/environment/city",
            "indicators/environment/hai-chau",
            "indicators/environment/son-tra"
        ]
    );
    assert_eq!(names("indicators/*/city").len(), 2);
    assert_eq!(names("indicators").len(), 6);
}

#[test]
fn unknown_names_are_errors_that_say_what_is_wrong() {
    let code = |s: &str| resolve(s, &City).map(|_| ()).unwrap_err().code();
    assert_eq!(code("indicators/water/*"), "unknown_domain");
    assert_eq!(code("indicators/traffic/nowhere"), "unknown_district");
    assert_eq!(code("sensor/nope"), "unknown_sensor");
    assert_eq!(code("sensor/*"), "invalid_stream");
    assert_eq!(code("sensor/bad id"), "invalid_stream");
    assert_eq!(code("weather"), "invalid_stream");
    assert_eq!(code("indicators/traffic/hai-chau/x"), "invalid_stream");
}

#[test]
fn a_subscribe_request_parses_with_its_resume_points() {
    let r = parse(
        r#"{"op":"subscribe","id":"a","streams":["kpi"],"resume_from":{"kpi":7},"epoch":"e1"}"#,
        10,
    )
    .expect("valid");
    let Request::Subscribe {
        id,
        streams,
        resume_from,
        epoch,
    } = r
    else {
        panic!("not a subscribe")
    };
    assert_eq!(id.as_deref(), Some("a"));
    assert_eq!(streams, ["kpi"]);
    assert_eq!(resume_from.get("kpi"), Some(&7));
    assert_eq!(epoch.as_deref(), Some("e1"));
}

#[test]
fn malformed_requests_get_distinct_error_codes() {
    let code = |s: &str| parse(s, 3).unwrap_err().code();
    assert_eq!(code("{"), "invalid_json");
    assert_eq!(code(r#"{"op":"subscribe"}"#), "invalid_message");
    assert_eq!(
        code(r#"{"op":"subscribe","streams":[]}"#),
        "invalid_message"
    );
    assert_eq!(
        code(r#"{"op":"subscribe","streams":"kpi"}"#),
        "invalid_message"
    );
    assert_eq!(code(r#"{"op":"dance"}"#), "unknown_op");
    assert_eq!(code(r#"{"op":"ping","extra":1}"#), "invalid_message");
    assert_eq!(
        code(r#"{"op":"ping","streams":["kpi"]}"#),
        "invalid_message"
    );
    assert_eq!(
        code(r#"{"op":"subscribe","streams":["a","b","c","d"]}"#),
        "too_many_subscriptions"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_never_panics_on_any_text(s in ".{0,300}") {
        let _ = parse(&s, 8);
    }

    #[test]
    fn parsing_never_panics_on_json_shaped_text(
        op in "(subscribe|unsubscribe|ping|[a-z]{0,8})",
        streams in proptest::collection::vec("[a-z/*.-]{0,40}", 0..5),
        seq in any::<u64>(),
    ) {
        let text = serde_json::json!({"op": op, "streams": streams, "resume_from": {"kpi": seq}}).to_string();
        if let Ok(Request::Subscribe { streams, .. }) = parse(&text, 8) {
            for s in &streams {
                let _ = resolve(s, &City);
            }
        }
    }

    #[test]
    fn resolving_never_panics_and_only_names_valid_streams(s in "[a-z*/.-]{0,60}") {
        if let Ok(names) = resolve(&s, &City) {
            prop_assert!(!names.is_empty());
        }
    }
}

#[test]
fn a_full_mailbox_marks_the_stream_lagged_and_never_grows() {
    let mb = mailbox(1, 2);
    let a: Arc<str> = "a".into();
    let b: Arc<str> = "b".into();
    assert_eq!(mb.push(&a, "1".into()), Pushed::Queued);
    assert_eq!(mb.push(&b, "2".into()), Pushed::Queued);
    assert_eq!(mb.push(&a, "3".into()), Pushed::Lagged);
    assert_eq!(mb.push(&a, "4".into()), Pushed::Skipped);
    assert_eq!(mb.len(), 1, "a's queued frame made way for its resync");
    assert_eq!(mb.lagged(), vec![a.clone()]);
    mb.clear_lag("a");
    assert_eq!(mb.push(&a, "5".into()), Pushed::Queued);
    assert_eq!(mb.pop(10).len(), 2);
}

#[test]
fn updates_are_numbered_and_reach_every_subscriber_as_the_same_bytes() {
    let hub = hub(8);
    let s = StreamName::kpi();
    let (m1, m2) = (mailbox(1, 8), mailbox(2, 8));
    let first = hub.subscribe(&s, &m1, Start::Snapshot, 0);
    assert_eq!(json(&first[0])["seq"], 0);
    assert_eq!(json(&first[0])["data"], Value::Null);
    hub.subscribe(&s, &m2, Start::Snapshot, 0);
    assert!(hub
        .batch()
        .offer(&s, Some(10), "{\"x\":1}".into(), 1, AS_OF));
    let (f1, f2) = (m1.pop(1), m2.pop(1));
    assert_eq!(
        f1[0].1.as_ptr(),
        f2[0].1.as_ptr(),
        "serialised once, shared"
    );
    let u = json(&f1[0].1);
    assert_eq!(u["type"], "update");
    assert_eq!(u["stream"], "kpi");
    assert_eq!(u["seq"], 1);
    assert_eq!(u["as_of"], 10);
    assert_eq!(u["data"]["x"], 1);
}

#[test]
fn an_unchanged_stream_is_not_republished_and_content_changes_wait_for_the_refresh() {
    let hub = hub(8);
    let s = StreamName::kpi();
    assert!(hub.batch().offer(&s, Some(10), "1".into(), 0, AS_OF));
    assert!(!hub.batch().offer(&s, Some(10), "1".into(), 100, AS_OF));
    assert!(!hub.batch().offer(&s, Some(10), "2".into(), 200, AS_OF));
    assert!(hub.batch().offer(&s, Some(10), "2".into(), 5_000, AS_OF));
    assert!(hub.batch().offer(&s, Some(11), "2".into(), 5_001, AS_OF));
    assert!(!hub
        .batch()
        .offer(&s, Some(12), "2".into(), 5_002, Trigger::Content));
    assert_eq!(hub.seq("kpi"), 3);
}

#[test]
fn resuming_within_the_ring_replays_exactly_the_missed_updates() {
    let hub = hub(4);
    let s = StreamName::kpi();
    for i in 1..=6 {
        hub.batch().offer(&s, Some(i), i.to_string(), i, AS_OF);
    }
    let mb = mailbox(1, 8);
    let seqs: Vec<Value> = hub
        .subscribe(&s, &mb, Start::ResumeFrom(3), 7)
        .iter()
        .map(|f| json(f)["seq"].clone())
        .collect();
    assert_eq!(seqs, [4, 5, 6]);
    assert!(hub
        .subscribe(&s, &mailbox(2, 8), Start::ResumeFrom(6), 7)
        .is_empty());
}

#[test]
fn resuming_beyond_the_ring_or_from_another_epoch_gives_a_marked_snapshot() {
    let hub = hub(2);
    let s = StreamName::kpi();
    for i in 1..=6 {
        hub.batch().offer(&s, Some(i), i.to_string(), i, AS_OF);
    }
    let gap = hub.subscribe(&s, &mailbox(1, 8), Start::ResumeFrom(1), 7);
    assert_eq!(json(&gap[0])["type"], "snapshot");
    assert_eq!(json(&gap[0])["resync"], "resume_gap");
    assert_eq!(json(&gap[0])["seq"], 6);
    let ahead = hub.subscribe(&s, &mailbox(2, 8), Start::ResumeFrom(99), 7);
    assert_eq!(json(&ahead[0])["resync"], "resume_gap");
    let other = hub.subscribe(&s, &mailbox(3, 8), Start::OtherEpoch, 7);
    assert_eq!(json(&other[0])["resync"], "epoch_changed");
}

#[test]
fn a_lagged_subscriber_resyncs_to_the_latest_state_and_then_follows_it() {
    let hub = hub(8);
    let s = StreamName::kpi();
    let mb = mailbox(1, 1);
    hub.subscribe(&s, &mb, Start::Snapshot, 0);
    for i in 1..=5 {
        hub.batch().offer(&s, Some(i), i.to_string(), i, AS_OF);
    }
    assert_eq!(mb.len(), 0, "the overflowing stream's frames were dropped");
    assert_eq!(mb.lagged().len(), 1);
    let snap = json(&hub.resync(&s, &mb, 6));
    assert_eq!(
        (snap["seq"].clone(), snap["resync"].clone()),
        (5.into(), "lagged".into())
    );
    hub.batch().offer(&s, Some(7), "7".into(), 7, AS_OF);
    assert_eq!(json(&mb.pop(1)[0].1)["seq"], 6);
}

#[test]
fn the_token_bucket_refills_over_time() {
    let t0 = Instant::now();
    let mut b = Bucket::new(2, 1.0, t0);
    assert!(b.take(t0) && b.take(t0));
    assert!(!b.take(t0));
    assert!(b.take(t0 + Duration::from_millis(1_100)));
}

#[test]
fn protocol_errors_name_the_problem() {
    let e = ProtocolError::MessageTooLarge { size: 9, max: 4 };
    assert_eq!(e.to_string(), "message of 9 bytes; at most 4");
}

/// Whether the mailbox holds a wake-up (its connection task would run now).
async fn woken(mb: &Mailbox) -> bool {
    tokio::time::timeout(Duration::ZERO, mb.wait())
        .await
        .is_ok()
}

#[tokio::test]
async fn a_batch_queues_every_frame_first_and_wakes_each_mailbox_once_at_its_end() {
    let hub = hub(8);
    let (kpi, status) = (StreamName::kpi(), StreamName::sensor_status());
    let mb = mailbox(1, 8);
    hub.subscribe(&kpi, &mb, Start::Snapshot, 0);
    hub.subscribe(&status, &mb, Start::Snapshot, 0);
    {
        let mut batch = hub.batch();
        assert!(batch.offer(&kpi, Some(1), "1".into(), 1, AS_OF));
        assert!(batch.offer(&status, Some(1), "2".into(), 1, Trigger::Content));
        assert_eq!(mb.len(), 2, "queued as each stream is published");
        assert!(!woken(&mb).await, "not woken while the batch runs");
    }
    assert!(woken(&mb).await, "woken when the batch ends");
    assert!(!woken(&mb).await, "once, however many frames it got");
    assert!(hub.batch().offer(&kpi, Some(2), "3".into(), 2, AS_OF));
    assert!(
        woken(&mb).await,
        "a batch of one wakes as its statement ends"
    );
}
