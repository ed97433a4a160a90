//! Alert tests. The clock is an argument everywhere, so time moves by hand: a paused clock
//! without sleeps.

mod config;
mod engine;
mod feed;
mod flapping;

use super::*;

pub(crate) const T0: i64 = 1_763_880_000_000;
pub(crate) const S: i64 = 1_000;
pub(crate) const MIN: i64 = 60 * S;

/// One rule with the keys given, inside an otherwise empty rule file.
pub(crate) fn rules(body: &str) -> RuleSet {
    RuleSet::parse(&format!("[[rules]]\n{body}")).expect("valid test rules")
}

pub(crate) const PM25_150_120: &str = r#"
id = "pm25-high"
signal = "pm25"
severity = "major"
scope = { domain = "environment", district = "hai-chau" }
kind = "threshold"
direction = "above"
raise = 150
clear = 120
"#;

pub(crate) fn engine(rule_body: &str) -> Engine {
    Engine::new(rules(rule_body), Vec::new(), 1, T0).0
}

/// A pm25 reading from sensor aq-0001 in Hải Châu.
pub(crate) fn pm25(value: f64, ts_ms: i64) -> Observation {
    reading("aq-0001", "hai-chau", "pm25", value, ts_ms)
}

pub(crate) fn reading(
    sensor: &str,
    district: &str,
    signal: &str,
    value: f64,
    ts_ms: i64,
) -> Observation {
    Observation {
        subject: Subject::sensor(sensor),
        domain: "environment".into(),
        district: Some(district.into()),
        sensor: Some(sensor.into()),
        signal: signal.into(),
        value,
        ts_ms,
    }
}

pub(crate) fn kinds(changes: &[AlertChange]) -> Vec<EventKind> {
    changes.iter().map(|c| c.event.kind).collect()
}

pub(crate) fn never_seen(_: &Subject) -> Option<i64> {
    None
}
