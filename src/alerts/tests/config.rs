use super::*;

fn parse_err(text: &str) -> String {
    match RuleSet::parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_shipped_rule_file_parses_with_every_kind_of_rule() {
    let set = RuleSet::builtin().expect("config/alerts.toml is valid");
    let kinds: Vec<_> = set
        .rules()
        .iter()
        .map(|r| match r.condition {
            Condition::Threshold { .. } => "threshold",
            Condition::Rate { .. } => "rate",
            Condition::Staleness { .. } => "staleness",
        })
        .collect();
    assert!(
        kinds.contains(&"threshold") && kinds.contains(&"rate") && kinds.contains(&"staleness")
    );
    assert!(set
        .rules()
        .iter()
        .any(|r| r.scope.sensor.as_deref() == Some("wl-0007")));
}

#[test]
fn a_threshold_rule_is_parsed_into_typed_levels_scope_and_durations() {
    let set = rules(&format!("{PM25_150_120}for_s = 300\nflap_window_s = 120\n"));
    let r = &set.rules()[0];
    assert_eq!(r.id, "pm25-high");
    assert_eq!(
        r.description, "pm25-high",
        "the description defaults to the id"
    );
    assert_eq!(r.severity, Severity::Major);
    assert_eq!(r.scope.district.as_deref(), Some("hai-chau"));
    assert_eq!(r.for_ms, 300_000);
    assert_eq!(r.flap_window_ms, 120_000);
    assert_eq!(
        r.condition,
        Condition::Threshold {
            levels: Levels {
                direction: Direction::Above,
                raise: 150.0,
                clear: 120.0
            }
        }
    );
}

#[test]
fn the_default_flap_window_applies_unless_a_rule_overrides_it() {
    let set = RuleSet::parse(&format!(
        "[defaults]\nflap_window_s = 42\n[[rules]]\n{PM25_150_120}"
    ))
    .expect("valid");
    assert_eq!(set.rules()[0].flap_window_ms, 42_000);
    assert_eq!(rules(PM25_150_120).rules()[0].flap_window_ms, 600_000);
}

#[test]
fn a_bad_severity_names_the_rule_index_id_key_value_and_what_is_allowed() {
    let text = format!(
        "[[rules]]\n{PM25_150_120}\n[[rules]]\n{}",
        PM25_150_120
            .replace("pm25-high", "second")
            .replace("\"major\"", "\"urgent\"")
    );
    let e = parse_err(&text);
    for part in [
        "rules[1]",
        "\"second\"",
        "`severity`",
        "urgent",
        "critical, major, minor, warning",
    ] {
        assert!(e.contains(part), "{e:?} lacks {part:?}");
    }
}

#[test]
fn a_clear_level_on_the_wrong_side_of_the_raise_level_is_refused() {
    let e = parse_err(&format!(
        "[[rules]]\n{}",
        PM25_150_120.replace("clear = 120", "clear = 160")
    ));
    assert!(
        e.contains("`clear` = 160") && e.contains("strictly below raise (150)"),
        "{e}"
    );
    let below = PM25_150_120
        .replace("\"above\"", "\"below\"")
        .replace("raise = 150", "raise = 10");
    let e = parse_err(&format!("[[rules]]\n{below}").replace("clear = 120", "clear = 5"));
    assert!(e.contains("strictly above raise (10)"), "{e}");
}

#[test]
fn a_key_that_the_kind_of_rule_does_not_read_is_an_error_not_ignored() {
    let e = parse_err(&format!("[[rules]]\n{PM25_150_120}after_s = 60\n"));
    assert!(
        e.contains("`after_s`") && e.contains("not a key of a threshold rule"),
        "{e}"
    );
    assert!(e.contains("\"pm25-high\""), "{e}");
}

#[test]
fn a_duplicate_rule_id_is_refused() {
    let e = parse_err(&format!(
        "[[rules]]\n{PM25_150_120}\n[[rules]]\n{PM25_150_120}"
    ));
    assert!(
        e.contains("rules[1]") && e.contains("`id`") && e.contains("earlier rule"),
        "{e}"
    );
}

#[test]
fn missing_required_keys_are_named() {
    let e = parse_err(&format!(
        "[[rules]]\n{}",
        PM25_150_120.replace("signal = \"pm25\"", "")
    ));
    assert!(e.contains("`signal` = (missing)"), "{e}");
    let e = parse_err(
        "[[rules]]\nid = \"s\"\nsignal = \"pm25\"\nseverity = \"minor\"\nkind = \"staleness\"\n",
    );
    assert!(e.contains("`after_s` = (missing)"), "{e}");
}

#[test]
fn scope_keys_and_levels_are_checked() {
    let bad_key = PM25_150_120.replace("district = ", "ward = ");
    let e = parse_err(&format!("[[rules]]\n{bad_key}"));
    assert!(
        e.contains("`scope.ward`") && e.contains("domain, district, sensor, level"),
        "{e}"
    );
    let bad_level = PM25_150_120.replace("district = \"hai-chau\"", "level = \"street\"");
    let e = parse_err(&format!("[[rules]]\n{bad_level}"));
    assert!(
        e.contains("`scope.level`") && e.contains("sensor, district, city"),
        "{e}"
    );
}

#[test]
fn wrong_types_out_of_range_durations_and_bad_ids_are_refused() {
    let e = parse_err(&format!(
        "[[rules]]\n{}",
        PM25_150_120.replace("raise = 150", "raise = \"high\"")
    ));
    assert!(
        e.contains("`raise`") && e.contains("a finite number"),
        "{e}"
    );
    let e = parse_err(&format!("[[rules]]\n{PM25_150_120}for_s = -5\n"));
    assert!(
        e.contains("`for_s` = -5") && e.contains("0 to 86400"),
        "{e}"
    );
    let e = parse_err(&format!(
        "[[rules]]\n{}",
        PM25_150_120.replace("pm25-high", "PM 2.5")
    ));
    assert!(e.contains("`id`") && e.contains("a-z 0-9"), "{e}");
    let e = parse_err(&format!(
        "[[rules]]\n{}",
        PM25_150_120.replace("threshold", "spike")
    ));
    assert!(
        e.contains("`kind` = \"spike\"") && e.contains("threshold, rate, staleness"),
        "{e}"
    );
}

#[test]
fn invalid_toml_and_unknown_top_level_keys_are_reported() {
    assert!(matches!(
        RuleSet::parse("[[rules]\n"),
        Err(RulesError::Toml(_))
    ));
    let e = parse_err("[alerts]\nx = 1\n");
    assert!(
        e.contains("`alerts`") && e.contains("`defaults` and `rules`"),
        "{e}"
    );
}

#[test]
fn a_rule_is_public_only_when_its_file_says_public_true() {
    assert!(
        !rules(PM25_150_120).rules()[0].public,
        "default: not public"
    );
    let set = rules(&format!("{PM25_150_120}public = true\n"));
    assert!(set.rules()[0].public);
    assert_eq!(set.public_ids(), ["pm25-high"]);
    assert!(!rules(&format!("{PM25_150_120}public = false\n")).rules()[0].public);
}

#[test]
fn a_public_value_that_is_not_a_boolean_names_the_rule_and_key() {
    let e = parse_err(&format!("[[rules]]\n{PM25_150_120}public = \"yes\"\n"));
    for part in [
        "rules[0]",
        "\"pm25-high\"",
        "`public`",
        "\"yes\"",
        "true or false",
    ] {
        assert!(e.contains(part), "{e:?} lacks {part:?}");
    }
}

#[test]
fn the_shipped_flood_and_very_unhealthy_air_rules_are_public_warnings() {
    let set = RuleSet::builtin().expect("config/alerts.toml is valid");
    let public = set.public_ids();
    assert!(
        public.iter().any(|id| id == "water-level-warning-3"),
        "{public:?}"
    );
    let aqi_201: Vec<&Rule> = set
        .rules()
        .iter()
        .filter(|r| {
            r.signal == "vn_aqi"
                && matches!(r.condition, Condition::Threshold { levels } if levels.raise == 201.0)
        })
        .collect();
    assert!(!aqi_201.is_empty(), "a VN_AQI rule raises at 201");
    assert!(aqi_201.iter().all(|r| r.public), "{aqi_201:?}");
    assert!(
        set.rules().iter().any(|r| !r.public),
        "operational rules stay internal"
    );
}
