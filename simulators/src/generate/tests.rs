use ioc::config::{load, load_city, Overrides};

use super::*;

fn demo_city() -> City {
    let settings = load(&Overrides::default()).expect("defaults");
    City::from_config(&load_city(&settings).expect("demo city")).expect("valid city")
}

const MONDAY_MS: i64 = 1_763_917_200_000; // 2025-11-24T00:00:00+07:00

#[test]
fn every_sensor_reports_at_its_own_interval_in_time_order() {
    let city = demo_city();
    let scenario = Scenario::demo().expect("demo");
    let g = Generator::new(
        scenario,
        &city,
        "city",
        MONDAY_MS,
        Some(MONDAY_MS + 120_000),
    )
    .expect("builds");
    assert_eq!(g.sensor_count(), city.sensors.len());
    let msgs: Vec<SimMessage> = g.collect();
    assert!(
        msgs.windows(2).all(|w| w[0].sim_ms <= w[1].sim_ms),
        "time order"
    );
    let tl = msgs.iter().filter(|m| m.topic.contains("/tl-0001")).count();
    assert!(
        (7..=10).contains(&tl),
        "tl-0001 every 15 s over 2 min: {tl}"
    );
    let aq = msgs
        .iter()
        .filter(|m| m.topic.ends_with("/aq-0001"))
        .count();
    assert!((1..=3).contains(&aq), "aq-0001 every 60 s over 2 min: {aq}");
}

#[test]
fn a_sensor_whose_domain_lacks_the_models_metrics_is_refused_by_name() {
    let city = demo_city();
    let scenario = Scenario::parse("[traffic]\nsensors = [\"qs-0001\"]\n", "t").expect("valid");
    let err = Generator::new(scenario, &city, "city", MONDAY_MS, None)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("qs-0001") && err.contains("traffic"), "{err}");
    let none = Scenario::parse("[traffic]\nsensors = [\"nothing-*\"]\n", "t").expect("valid");
    assert!(matches!(
        Generator::new(none, &city, "city", MONDAY_MS, None),
        Err(GenerateError::NoSensors)
    ));
}

#[test]
fn events_are_merged_into_the_readings_in_time_order_and_counted() {
    let city = demo_city();
    let scenario = Scenario::parse(
        "[traffic]\nsensors = [\"tl-000*\"]\n[events]\ncitizen_reports = { per_day = 200 }\n\
         [[events.scheduled]]\nstart_after_s = 30\nkind = \"camera\"\ndistrict = \"hai-chau\"\nclass = \"crowd\"\n",
        "t",
    )
    .expect("valid");
    let mut g = Generator::new(
        scenario,
        &city,
        "city",
        MONDAY_MS + 10 * 3_600_000,
        Some(MONDAY_MS + 11 * 3_600_000),
    )
    .expect("builds");
    let msgs: Vec<SimMessage> = g.by_ref().collect();
    assert!(
        msgs.windows(2).all(|w| w[0].sim_ms <= w[1].sim_ms),
        "time order"
    );
    let events = msgs
        .iter()
        .filter(|m| m.topic.starts_with("city/events/"))
        .count() as u64;
    assert!(
        events > 20,
        "{events} events in an hour at 200 a day per district"
    );
    assert_eq!(g.stats().events, events);
    assert_eq!(g.stats().messages, msgs.len() as u64);
    assert_eq!(g.cameras().len(), 3 * city.districts.len());
}

#[test]
fn a_scenario_of_events_alone_runs_and_one_of_nothing_is_refused() {
    let city = demo_city();
    let only =
        Scenario::parse("[events]\ncitizen_reports = { per_day = 50 }\n", "t").expect("valid");
    let g = Generator::new(only, &city, "city", MONDAY_MS, Some(MONDAY_MS + 86_400_000))
        .expect("builds");
    assert!(g.count() > 300);
    let nothing = Scenario::parse("", "t").expect("valid");
    assert!(matches!(
        Generator::new(nothing, &city, "city", MONDAY_MS, None),
        Err(GenerateError::NoSensors)
    ));
}
