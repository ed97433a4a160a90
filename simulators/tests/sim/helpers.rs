//! The demo city, fixed start times, and generating a stream in memory.

use std::net::TcpListener;

use ioc::config::{load, load_city, Overrides};
use ioc::model::City;
use simulators::generate::{Generator, SimMessage, Stats};
use simulators::scenario::Scenario;

/// 2025-11-24T00:00:00+07:00, a Monday in Đà Nẵng.
pub const MONDAY_MS: i64 = 1_763_917_200_000;
pub const HOUR_MS: i64 = 3_600_000;

pub fn demo_city() -> City {
    let settings = load(&Overrides::default()).expect("defaults");
    City::from_config(&load_city(&settings).expect("demo city")).expect("valid city")
}

/// Every message of `scenario` from `start_ms` for `hours`, and the generator's counts.
pub fn generate(scenario: &str, start_ms: i64, hours: f64) -> (Vec<SimMessage>, Stats) {
    let scenario = Scenario::parse(scenario, "test").expect("valid scenario");
    let end = start_ms + (hours * HOUR_MS as f64) as i64;
    let mut g =
        Generator::new(scenario, &demo_city(), "city", start_ms, Some(end)).expect("generator");
    let msgs: Vec<SimMessage> = g.by_ref().collect();
    (msgs, g.stats().clone())
}

/// The payload as a JSON object, when it is one.
pub fn object(m: &SimMessage) -> Option<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_slice::<serde_json::Value>(&m.payload)
        .ok()?
        .as_object()
        .cloned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
