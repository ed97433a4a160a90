use super::*;

#[test]
fn the_built_in_demo_scenario_is_valid_and_drives_every_model() {
    let s = Scenario::demo().expect("demo parses");
    assert!(s.traffic.is_some() && s.air.is_some() && s.water.is_some() && s.queues.is_some());
    assert!(s.catch_up_s > 0, "the demo fills the dashboard at once");
    let events = s.events.expect("the demo has events");
    assert!(events.citizen_reports.per_day > 0.0 && !events.scheduled.is_empty());
    // Its story is scheduled in live time, after the history published at once.
    assert!(events
        .scheduled
        .iter()
        .all(|e| e.start_after_s >= s.catch_up_s));
}

/// The error of `toml`, which must be refused.
fn refused(toml: &str) -> String {
    Scenario::parse(toml, "x.toml")
        .err()
        .unwrap_or_else(|| panic!("accepted: {toml}"))
        .to_string()
}

#[test]
fn an_invalid_event_names_its_key_and_what_is_allowed() {
    let scheduled = "[events]\n[[events.scheduled]]\nstart_after_s = 0\ndistrict = \"cam-le\"\n";
    let cases = [
        (format!("{scheduled}kind = \"citizen_report\"\n"), "events.scheduled[0].category", "required"),
        (
            format!("{scheduled}kind = \"citizen_report\"\ncategory = \"flooding\"\nclass = \"flooding\"\n"),
            "events.scheduled[0].class",
            "not for kind citizen_report",
        ),
        (
            format!("{scheduled}kind = \"camera\"\nclass = \"flooding\"\nconfidence = 1.5\n"),
            "events.scheduled[0].confidence",
            "0 to 1",
        ),
        (
            format!("{scheduled}kind = \"camera\"\nclass = \"Flooding!\"\n"),
            "events.scheduled[0].class",
            "a-z 0-9",
        ),
        (
            format!("{scheduled}kind = \"citizen_report\"\ncategory = \"jam\"\ncount = 3\nevery_s = 0\n"),
            "events.scheduled[0].every_s",
            "at least 1",
        ),
        (
            format!("{scheduled}kind = \"citizen_report\"\ncategory = \"jam\"\nlat = 16.0\n"),
            "events.scheduled[0].lat",
            "lon go together",
        ),
        (
            "[events]\ncitizen_reports = { per_day = 0.001 }\n".to_owned(),
            "events.citizen_reports.per_day",
            "0.01",
        ),
        (
            "[events]\ncamera_detections = { per_day = 1, classes = { crowd = -1 } }\n".to_owned(),
            "events.camera_detections.classes.crowd",
            "at least 0",
        ),
        (
            "[events]\nmedia_url = \"ftp://x\"\n".to_owned(),
            "events.media_url",
            "http(s)://",
        ),
        (
            "[events]\ncameras_per_district = 0\ncamera_detections = { per_day = 1 }\n".to_owned(),
            "events.cameras_per_district",
            "camera_detections",
        ),
    ];
    for (toml, key, why) in cases {
        let err = refused(&toml);
        assert!(
            err.contains(&format!("`{key}`")) && err.contains(why),
            "{toml}\n→ {err}"
        );
    }
    let err = refused(&format!("{scheduled}kind = \"drone\"\n"));
    assert!(
        err.contains("citizen_report") && err.contains("camera"),
        "{err}"
    );
    assert!(refused("[events]\nfrobnicate = 1\n").contains("frobnicate"));
}

#[test]
fn ramps_districts_plumes_and_floods_are_checked_like_the_rest() {
    let err = refused("[traffic]\n[[traffic.incidents]]\nstart_after_s = 0\nduration_s = 100\nseverity = 1\nramp_s = 60\n");
    assert!(
        err.contains("`traffic.incidents[0].ramp_s`") && err.contains("half"),
        "{err}"
    );
    let err = refused(
        "[air]\n[[air.episodes]]\nstart_after_s = 0\nduration_s = 100\nadd = { pm25 = -3 }\n",
    );
    assert!(err.contains("`air.episodes[0].add.pm25`"), "{err}");
    let err =
        refused("[water]\n[[water.floods]]\nstart_after_s = 0\nduration_s = 100\nrise_cm = -1\n");
    assert!(err.contains("`water.floods[0].rise_cm`"), "{err}");
    let ok = "[traffic]\n[[traffic.incidents]]\ndistrict = \"thanh-khe\"\nstart_after_s = 0\nduration_s = 100\nseverity = 1\n\
              [[weather.rain]]\ndistrict = \"cam-le\"\nstart_after_s = 0\nduration_s = 60\nmagnitude = 30\n";
    let s = Scenario::parse(ok, "x").expect("a road is optional, a district may be named");
    assert_eq!(s.traffic.expect("traffic").incidents[0].road, "");
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
