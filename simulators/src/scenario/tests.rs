use super::*;

#[test]
fn the_built_in_demo_scenario_is_valid_and_drives_every_model() {
    let s = Scenario::demo().expect("demo parses");
    assert!(s.traffic.is_some() && s.air.is_some() && s.water.is_some() && s.queues.is_some());
    assert!(s.catch_up_s > 0, "the demo fills the dashboard at once");
}

#[test]
fn an_empty_scenario_takes_every_default() {
    let s = Scenario::parse("", "test").expect("empty is valid");
    assert_eq!(s.faults, FaultSpec::default());
    assert!(s.traffic.is_none());
    let s = Scenario::parse("[traffic]\n", "test").expect("a bare section");
    assert_eq!(s.traffic.map(|t| t.sensors), Some(vec!["tl-*".to_owned()]));
}

#[test]
fn an_invalid_value_names_its_key_and_what_is_allowed() {
    let err = Scenario::parse("[faults]\nmalformed = 1.5\n", "x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x.toml") && err.contains("faults.malformed") && err.contains("0 to 1"),
        "{err}"
    );
    let err = Scenario::parse("[queues]\nopen_weekday = [\"17:00-07:00\"]\n", "x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("queues.open_weekday") && err.contains("HH:MM-HH:MM"),
        "{err}"
    );
    let err = Scenario::parse("start = \"yesterday\"\n", "x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("start") && err.contains("RFC 3339"), "{err}");
}

#[test]
fn an_unknown_key_is_rejected_with_its_name() {
    let err = Scenario::parse("[traffic]\nvehicles_per_minute = 3\n", "x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("vehicles_per_minute"), "{err}");
}

#[test]
fn fault_rates_can_be_set_by_name() {
    let mut f = FaultSpec::default();
    f.set_rate("out_of_order", 0.2).expect("known");
    assert_eq!(f.out_of_order, 0.2);
    assert!(f
        .set_rate("gremlins", 0.1)
        .unwrap_err()
        .contains("malformed"));
}

#[test]
fn opening_hours_parse_to_minutes() {
    assert_eq!(parse_span("07:30-11:30"), Some((450, 690)));
    assert_eq!(parse_span("11:30-07:30"), None);
    assert_eq!(parse_span("7-11"), None);
}
