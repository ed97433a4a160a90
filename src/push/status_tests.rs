//! The sensor-status streams through the producer and the hub: folding the deltas onto the
//! subscribe snapshot gives exactly the next full state, including across a resume (the
//! ring's deltas replayed) and a resync (a fresh snapshot).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::hub::{Hub, Start};
use super::mailbox::Mailbox;
use super::producer::Producer;
use super::render::{status_state, StatusScope};
use super::stream::StreamName;
use crate::model::{City, Reading};
use crate::snapshot::{fixture, Builder, Snapshot};

const T0: i64 = 1_763_880_000_000;

type Folded = BTreeMap<String, Value>;

/// Applies frames the way the dashboard does: a snapshot (or an old-style update with
/// `sensors`) replaces the state, an update's `changed` entries replace theirs by id.
fn fold(state: &mut Folded, frame: &Value) {
    let data = &frame["data"];
    if let Some(all) = data["sensors"].as_array() {
        state.clear();
        for s in all {
            state.insert(s["id"].as_str().unwrap_or_default().to_owned(), s.clone());
        }
    }
    for s in data["changed"].as_array().into_iter().flatten() {
        state.insert(s["id"].as_str().unwrap_or_default().to_owned(), s.clone());
    }
}

fn full(snap: &Snapshot, scope: StatusScope) -> Folded {
    let mut state = Folded::new();
    let v: Value = serde_json::from_str(&status_state(snap, scope)).unwrap_or_default();
    fold(&mut state, &serde_json::json!({ "data": v }));
    state
}

fn frames(mb: &Mailbox) -> Vec<Value> {
    mb.pop(usize::MAX)
        .into_iter()
        .map(|(_, f)| serde_json::from_str(&f).unwrap_or_default())
        .collect()
}

fn reading(city: &City, sensor: usize, ts: i64) -> Vec<Reading> {
    let s = &city.sensors[sensor];
    let metric = city.domain(s.domain).metrics[0];
    vec![Reading {
        sensor: s.id.clone(),
        registered: true,
        domain: s.domain,
        district: s.district,
        metric,
        ts_ms: ts,
        ts_received: false,
        seq: None,
        value: 1.0,
    }]
}

#[test]
fn status_deltas_fold_onto_the_snapshot_across_a_resume_and_a_resync() {
    let city = fixture::demo_city();
    let live = fixture::shared(&city);
    let metrics = crate::telemetry::Metrics::new(&[]).expect("metrics").push;
    let hub = Arc::new(Hub::new("e1".into(), 8, metrics.clone()));
    let mut builder = Builder::new(city.clone(), fixture::params());
    let first = Arc::new(builder.tick(&live, T0));
    let (tx, rx) = tokio::sync::watch::channel(first.clone());
    let producer = Producer {
        hub: hub.clone(),
        live: live.clone(),
        snapshots: rx,
        alerts: None,
        refresh_ms: 5_000,
    };
    let stream = StreamName::sensor_status();
    let district = city.district(city.sensors[0].district).id.clone();
    let local = StreamName::sensor_status_in(&district);
    let scope = StatusScope::District(city.sensors[0].district.0);
    let watcher = Arc::new(Mailbox::new(1, 1024, metrics.queue_frames.clone()));
    let local_watcher = Arc::new(Mailbox::new(2, 1024, metrics.queue_frames.clone()));
    // As a connection does: a first subscriber's stream is rendered, then subscribed.
    super::producer::refresh(&hub, &first, None, &stream);
    super::producer::refresh(&hub, &first, None, &local);
    let mut state = Folded::new();
    for f in hub.subscribe(&stream, &watcher, Start::Snapshot, T0) {
        fold(&mut state, &serde_json::from_str(&f).unwrap_or_default());
    }
    let mut local_state = Folded::new();
    for f in hub.subscribe(&local, &local_watcher, Start::Snapshot, T0) {
        fold(
            &mut local_state,
            &serde_json::from_str(&f).unwrap_or_default(),
        );
    }
    let mut resumed_at = None;
    let mut now = T0;
    for round in 0..12usize {
        now += 20_000;
        for sensor in (round..city.sensors.len()).step_by(5) {
            crate::shell::lock::write(&live).apply(&reading(&city, sensor, now), now);
        }
        let snap = Arc::new(builder.tick(&live, now));
        tx.send_replace(snap.clone());
        producer.tick(&snap, now);
        for f in frames(&watcher) {
            fold(&mut state, &f);
        }
        for f in frames(&local_watcher) {
            fold(&mut local_state, &f);
        }
        assert_eq!(
            state,
            full(&snap, StatusScope::City),
            "round {round}: whole city"
        );
        assert_eq!(
            local_state,
            full(&snap, scope),
            "round {round}: one district"
        );
        if round == 5 {
            resumed_at = Some((hub.seq(&stream.name), state.clone()));
        }
    }
    // A client that left after round 5 resumes: within the ring, the deltas are replayed.
    let (seq, mut resumed) = resumed_at.expect("round 5");
    let late = Arc::new(Mailbox::new(3, 1024, metrics.queue_frames.clone()));
    let replay = hub.subscribe(&stream, &late, Start::ResumeFrom(seq), now);
    let kinds: Vec<String> = replay
        .iter()
        .map(|f| serde_json::from_str::<Value>(f).unwrap_or_default()["type"].to_string())
        .collect();
    for f in &replay {
        fold(&mut resumed, &serde_json::from_str(f).unwrap_or_default());
    }
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k == "\"update\""),
        "a resume within the ring replays updates: {kinds:?}"
    );
    assert_eq!(resumed, state, "after a resume");
    // One from before the ring's start gets a resync snapshot, which folds to the same.
    let gone = Arc::new(Mailbox::new(4, 1024, metrics.queue_frames.clone()));
    let mut stale = Folded::new();
    let resync = hub.subscribe(&stream, &gone, Start::ResumeFrom(1), now);
    let first: Value = serde_json::from_str(&resync[0]).unwrap_or_default();
    assert_eq!(first["resync"], "resume_gap", "{first}");
    fold(&mut stale, &first);
    assert_eq!(stale, state, "after a resync");
}
