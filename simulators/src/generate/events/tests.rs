use std::collections::HashSet;

use ioc::config::{load, load_city, Overrides};
use ioc::events::{decode, Arrival, Kind};

use super::*;
use crate::scenario::Scenario;

const MONDAY_MS: i64 = 1_763_917_200_000; // 2025-11-24T00:00:00+07:00
const HOUR_MS: i64 = 3_600_000;

fn demo_city() -> City {
    let settings = load(&Overrides::default()).expect("defaults");
    City::from_config(&load_city(&settings).expect("demo city")).expect("valid city")
}

fn spec(toml: &str) -> EventsSpec {
    Scenario::parse(toml, "test")
        .expect("valid scenario")
        .events
        .expect("an [events] section")
}

/// Every event of `spec` from `start_ms` for `hours`.
fn run(spec: EventsSpec, city: &City, seed: u64, start_ms: i64, hours: i64) -> Vec<SimMessage> {
    let end = start_ms + hours * HOUR_MS;
    let mut e = Events::new(
        spec,
        city,
        (seed, 7 * HOUR_MS),
        "city",
        (start_ms, Some(end)),
    );
    std::iter::from_fn(|| e.next_before(None)).collect()
}

const RANDOM: &str =
    "[events]\ncitizen_reports = { per_day = 6 }\ncamera_detections = { per_day = 8 }\n";

#[test]
fn every_event_is_one_ioc_accepts_on_its_topic_and_lies_in_its_district() {
    let city = demo_city();
    let places = Places::new(&city, 3);
    let msgs = run(spec(RANDOM), &city, 42, MONDAY_MS, 48);
    assert!(msgs.len() > 500, "{} events in two days", msgs.len());
    let mut kinds = HashSet::new();
    for m in &msgs {
        let parts: Vec<&str> = m.topic.split('/').collect();
        let [prefix, "events", district, source] = parts[..] else {
            panic!("topic {}", m.topic);
        };
        assert_eq!(prefix, "city");
        let arrival = Arrival {
            topic_district: Some(district),
            source,
            received_ms: m.sim_ms,
        };
        let event = decode(&m.payload, arrival, &city).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&m.payload));
        });
        assert_eq!(event.ts_ms, m.sim_ms);
        let d = places
            .areas
            .iter()
            .position(|a| a.id == district)
            .expect("known");
        assert!(
            places.contains(d, event.lat, event.lon),
            "{} outside {district}",
            event.id
        );
        match event.kind {
            Kind::CitizenReport => assert_eq!(source, CITIZEN_SOURCE),
            Kind::Camera => assert_eq!(event.camera.as_deref(), Some(source)),
        }
        kinds.insert(event.kind.as_str());
    }
    assert_eq!(kinds.len(), 2);
}

#[test]
fn ids_are_unique_in_a_run_the_same_in_its_replay_and_never_shared_by_another_run() {
    let city = demo_city();
    let ids = |start_ms: i64, seed: u64| -> Vec<String> {
        run(spec(RANDOM), &city, seed, start_ms, 24)
            .iter()
            .map(|m| {
                let v: serde_json::Value = serde_json::from_slice(&m.payload).expect("json");
                v["id"].as_str().expect("id").to_owned()
            })
            .collect()
    };
    let a = ids(MONDAY_MS, 42);
    assert_eq!(a.iter().collect::<HashSet<_>>().len(), a.len(), "unique");
    assert_eq!(a, ids(MONDAY_MS, 42), "the same run again: the same ids");
    assert!(
        a[0].starts_with(&format!("pa-42-{MONDAY_MS}-"))
            || a[0].contains(&format!("-42-{MONDAY_MS}-"))
    );
    let later: HashSet<String> = ids(MONDAY_MS + 1, 42).into_iter().collect();
    let other_seed: HashSet<String> = ids(MONDAY_MS, 7).into_iter().collect();
    assert!(a
        .iter()
        .all(|id| !later.contains(id) && !other_seed.contains(id)));
}

#[test]
fn citizen_reports_come_at_the_configured_rate_and_mostly_by_day() {
    let city = demo_city();
    let days = 20;
    let msgs = run(
        spec("[events]\ncitizen_reports = { per_day = 5 }\n"),
        &city,
        1,
        MONDAY_MS,
        days * 24,
    );
    let expected = 5.0 * city.districts.len() as f64 * days as f64;
    let n = msgs.len() as f64;
    assert!(
        (n - expected).abs() < expected * 0.1,
        "{n} reports, expected about {expected}"
    );
    let hour = |m: &SimMessage| ((m.sim_ms - MONDAY_MS) % (24 * HOUR_MS)) / HOUR_MS;
    let night = msgs.iter().filter(|m| hour(m) < 5).count();
    let day = msgs.iter().filter(|m| (9..14).contains(&hour(m))).count();
    assert!(day > night * 5, "09–14 h: {day}, 00–05 h: {night}");
}

#[test]
fn a_scheduled_entry_repeats_count_times_every_s_apart_from_the_districts_cameras_in_turn() {
    let city = demo_city();
    let toml = "[events]\n[[events.scheduled]]\nstart_after_s = 60\nkind = \"camera\"\ndistrict = \"cam-le\"\nclass = \"flooding\"\nconfidence = 0.8\ncount = 3\nevery_s = 30\n\
                [[events.scheduled]]\nstart_after_s = 75\nkind = \"citizen_report\"\ndistrict = \"cam-le\"\ncategory = \"flooding\"\ndescription = \"Nước ngập nửa bánh xe\"\n";
    let msgs = run(spec(toml), &city, 1, MONDAY_MS, 1);
    let times: Vec<i64> = msgs.iter().map(|m| (m.sim_ms - MONDAY_MS) / 1000).collect();
    assert_eq!(times, [60, 75, 90, 120]);
    let topics: Vec<&str> = msgs.iter().map(|m| &*m.topic).collect();
    assert_eq!(
        topics,
        [
            "city/events/cam-le/cam-cam-le-1",
            "city/events/cam-le/citizen-app",
            "city/events/cam-le/cam-cam-le-2",
            "city/events/cam-le/cam-cam-le-3",
        ]
    );
    let report: serde_json::Value = serde_json::from_slice(&msgs[1].payload).expect("json");
    assert_eq!(report["description"], "Nước ngập nửa bánh xe");
    assert_eq!(report["id"], format!("pa-1-{MONDAY_MS}-000002"));
    let camera: serde_json::Value = serde_json::from_slice(&msgs[0].payload).expect("json");
    assert_eq!(camera["confidence"], 0.8);
    assert_eq!(camera["class"], "flooding");
}

#[test]
fn a_scheduled_event_in_a_district_the_city_lacks_is_skipped_with_a_warning() {
    let city = demo_city();
    let toml = "[events]\n[[events.scheduled]]\nstart_after_s = 0\nkind = \"citizen_report\"\ndistrict = \"atlantis\"\ncategory = \"flooding\"\n";
    let e = Events::new(spec(toml), &city, (1, 0), "city", (MONDAY_MS, None));
    assert_eq!(e.warnings().len(), 1);
    assert!(
        e.warnings()[0].contains("events.scheduled[0].district"),
        "{:?}",
        e.warnings()
    );
}

#[test]
fn an_endless_run_of_random_events_goes_on_day_after_day() {
    let city = demo_city();
    let mut e = Events::new(spec(RANDOM), &city, (1, 0), "city", (MONDAY_MS, None));
    let last = std::iter::from_fn(|| e.next_before(None))
        .take(2000)
        .last()
        .expect("events");
    assert!(last.sim_ms > MONDAY_MS + 24 * HOUR_MS);
    assert_eq!(e.count(), 2000);
}
