use super::*;

#[test]
fn hysteresis_fires_at_the_raise_level_holds_between_levels_and_resolves_at_the_clear_level() {
    let mut e = engine(PM25_150_120);
    let fired = e.observe(&pm25(151.0, T0), T0);
    assert_eq!(kinds(&fired), [EventKind::Pending, EventKind::Firing]);
    assert_eq!(fired[1].alert.state, AlertState::Firing);
    assert_eq!(fired[1].alert.value, 151.0);

    assert!(
        e.observe(&pm25(130.0, T0 + MIN), T0 + MIN).is_empty(),
        "130 is above clear"
    );
    assert_eq!(e.open_alerts().count(), 1);

    let resolved = e.observe(&pm25(119.0, T0 + 2 * MIN), T0 + 2 * MIN);
    assert_eq!(kinds(&resolved), [EventKind::Resolved]);
    let a = &resolved[0].alert;
    assert_eq!((a.id, a.state), (fired[1].alert.id, AlertState::Resolved));
    assert_eq!(a.resolved_ms, Some(T0 + 2 * MIN));
    assert_eq!(resolved[0].event.value, Some(119.0));
    assert_eq!(e.open_alerts().count(), 0);
}

#[test]
fn a_value_between_the_clear_and_raise_levels_opens_nothing() {
    let mut e = engine(PM25_150_120);
    assert!(e.observe(&pm25(140.0, T0), T0).is_empty());
    assert!(e.observe(&pm25(149.9, T0 + S), T0 + S).is_empty());
}

#[test]
fn a_spike_shorter_than_for_s_is_pending_then_dropped_and_never_fires() {
    let mut e = engine(&format!("{PM25_150_120}for_s = 300\n"));
    let c = e.observe(&pm25(200.0, T0), T0);
    assert_eq!(kinds(&c), [EventKind::Pending]);
    assert!(e.observe(&pm25(180.0, T0 + MIN), T0 + MIN).is_empty());
    assert!(e.tick(T0 + 2 * MIN, &never_seen).is_empty());

    let c = e.observe(&pm25(100.0, T0 + 3 * MIN), T0 + 3 * MIN);
    assert_eq!(kinds(&c), [EventKind::Dropped]);
    assert_eq!(c[0].alert.state, AlertState::Dropped);
    assert!(e.tick(T0 + 10 * MIN, &never_seen).is_empty());
    assert_eq!(e.open_alerts().count(), 0);
}

#[test]
fn a_condition_that_holds_for_for_s_fires_on_a_tick_without_new_data() {
    let mut e = engine(&format!("{PM25_150_120}for_s = 300\n"));
    e.observe(&pm25(200.0, T0), T0);
    assert!(e.tick(T0 + 300 * S - 1, &never_seen).is_empty());
    let c = e.tick(T0 + 300 * S, &never_seen);
    assert_eq!(kinds(&c), [EventKind::Firing]);
    assert_eq!(c[0].alert.opened_ms, T0);
    assert_eq!(c[0].alert.fired_ms, Some(T0 + 300 * S));
}

#[test]
fn repeated_breaches_keep_exactly_one_open_alert_per_rule_and_subject() {
    let mut e = engine(PM25_150_120);
    e.observe(&pm25(151.0, T0), T0);
    for i in 1..50 {
        assert!(e
            .observe(&pm25(151.0 + i as f64, T0 + i * S), T0 + i * S)
            .is_empty());
    }
    let other = reading("aq-0002", "hai-chau", "pm25", 170.0, T0);
    assert_eq!(
        kinds(&e.observe(&other, T0)),
        [EventKind::Pending, EventKind::Firing]
    );
    let ids: Vec<_> = e.open_alerts().map(|a| a.subject.to_string()).collect();
    assert_eq!(ids.len(), 2, "one per sensor: {ids:?}");
}

#[test]
fn the_scope_limits_a_rule_to_its_district_sensor_and_level() {
    let mut e = engine(PM25_150_120);
    assert!(e
        .observe(&reading("aq-0009", "son-tra", "pm25", 300.0, T0), T0)
        .is_empty());
    assert!(e
        .observe(&reading("aq-0001", "hai-chau", "pm10", 300.0, T0), T0)
        .is_empty());

    let mut e = engine(&PM25_150_120.replace("district = \"hai-chau\"", "level = \"district\""));
    assert!(
        e.observe(&pm25(300.0, T0), T0).is_empty(),
        "a sensor is not a district"
    );
    let district = Observation {
        subject: Subject::district("hai-chau"),
        sensor: None,
        ..pm25(300.0, T0)
    };
    assert_eq!(e.observe(&district, T0).len(), 2);

    let mut e = engine(&PM25_150_120.replace(
        "domain = \"environment\", district = \"hai-chau\"",
        "sensor = \"aq-0002\"",
    ));
    assert!(e.observe(&pm25(300.0, T0), T0).is_empty());
    assert_eq!(
        e.observe(&reading("aq-0002", "hai-chau", "pm25", 300.0, T0), T0)
            .len(),
        2
    );
}

#[test]
fn a_below_threshold_fires_low_values_and_clears_above_its_clear_level() {
    let mut e = engine(
        r#"
id = "jam"
signal = "avg_speed_kmh"
severity = "minor"
kind = "threshold"
direction = "below"
raise = 10
clear = 20
"#,
    );
    let speed = |v: f64, t: i64| Observation {
        signal: "avg_speed_kmh".into(),
        ..pm25(v, t)
    };
    assert_eq!(e.observe(&speed(9.0, T0), T0).len(), 2);
    assert!(e.observe(&speed(15.0, T0 + MIN), T0 + MIN).is_empty());
    assert_eq!(
        kinds(&e.observe(&speed(21.0, T0 + 2 * MIN), T0 + 2 * MIN)),
        [EventKind::Resolved]
    );
}

const RATE: &str = r#"
id = "water-rising"
signal = "water_level_cm"
severity = "major"
kind = "rate"
direction = "above"
raise = 2.0
clear = 0.5
window_s = 600
"#;

fn level(cm: f64, minute: i64) -> Observation {
    reading(
        "wl-0007",
        "hai-chau",
        "water_level_cm",
        cm,
        T0 + minute * MIN,
    )
}

#[test]
fn a_rate_rule_fires_when_the_change_per_minute_over_the_window_reaches_the_raise_level() {
    let mut e = engine(RATE);
    let mut changes = Vec::new();
    // 1 cm/min for 6 minutes: below 2 cm/min.
    for m in 0..=6 {
        changes.extend(e.observe(&level(100.0 + m as f64, m), T0 + m * MIN));
    }
    assert!(changes.is_empty(), "{changes:?}");
    // Then 6 cm/min: over the window (100 → 118 in 8 min) the rate passes 2 cm/min.
    for (m, cm) in [(7, 112.0), (8, 118.0), (9, 124.0)] {
        changes.extend(e.observe(&level(cm, m), T0 + m * MIN));
    }
    assert_eq!(kinds(&changes), [EventKind::Pending, EventKind::Firing]);
    assert!(
        changes[1].alert.value >= 2.0,
        "the value is the rate: {}",
        changes[1].alert.value
    );
    // Flat water: once the rise leaves the window the rate falls under 0.5 and it resolves.
    let mut later = Vec::new();
    for m in 10..=30 {
        later.extend(e.observe(&level(124.0, m), T0 + m * MIN));
    }
    assert_eq!(kinds(&later), [EventKind::Resolved]);
}

#[test]
fn a_rate_rule_does_not_judge_samples_spanning_less_than_half_its_window() {
    let mut e = engine(RATE);
    assert!(e.observe(&level(100.0, 0), T0).is_empty());
    let jump = reading("wl-0007", "hai-chau", "water_level_cm", 200.0, T0 + 30 * S);
    assert!(e.observe(&jump, T0 + 30 * S).is_empty());
}

const STALE: &str = r#"
id = "wl-silent"
signal = "water_level_cm"
severity = "major"
scope = { sensor = "wl-0007" }
kind = "staleness"
after_s = 300
"#;

#[test]
fn staleness_fires_when_no_data_arrives_and_resolves_when_data_returns() {
    let mut e = engine(STALE);
    assert!(e.observe(&level(100.0, 0), T0).is_empty());
    assert!(e.tick(T0 + 300 * S - 1, &never_seen).is_empty());

    let c = e.tick(T0 + 300 * S, &never_seen);
    assert_eq!(kinds(&c), [EventKind::Pending, EventKind::Firing]);
    assert_eq!(c[0].alert.subject, Subject::sensor("wl-0007"));
    assert_eq!(c[1].alert.value, 300.0, "seconds without data");

    let back = e.observe(&level(101.0, 7), T0 + 7 * MIN);
    assert_eq!(kinds(&back), [EventKind::Resolved]);
    assert_eq!(back[0].alert.id, c[1].alert.id);
}

#[test]
fn staleness_uses_the_callers_last_seen_time_when_it_is_later() {
    let mut e = engine(STALE);
    e.observe(&level(100.0, 0), T0);
    let recent = |_: &Subject| Some(T0 + 4 * MIN);
    assert!(e.tick(T0 + 6 * MIN, &recent).is_empty());
    assert_eq!(e.tick(T0 + 9 * MIN, &recent).len(), 2);
    let fresh = |_: &Subject| Some(T0 + 10 * MIN);
    assert_eq!(kinds(&e.tick(T0 + 11 * MIN, &fresh)), [EventKind::Resolved]);
}

#[test]
fn acknowledging_records_who_when_and_the_comment_and_a_second_ack_is_refused() {
    let mut e = engine(PM25_150_120);
    let id = e.observe(&pm25(151.0, T0), T0)[1].alert.id;
    let c = e
        .acknowledge(id, "lan.nguyen", "crew sent", T0 + MIN)
        .expect("ack");
    assert_eq!(c.alert.state, AlertState::Acknowledged);
    let ack = c.alert.acknowledged.clone().expect("ack recorded");
    assert_eq!(
        (ack.by.as_str(), ack.at_ms, ack.comment.as_str()),
        ("lan.nguyen", T0 + MIN, "crew sent")
    );
    assert_eq!(c.event.by.as_deref(), Some("lan.nguyen"));

    let again = e.acknowledge(id, "minh", "", T0 + 2 * MIN);
    assert_eq!(
        again,
        Err(AckError::AlreadyAcknowledged {
            id,
            by: "lan.nguyen".into()
        })
    );
    assert_eq!(
        e.acknowledge(999, "minh", "", T0),
        Err(AckError::NotFound(999))
    );
}

#[test]
fn an_acknowledged_alert_resolves_and_cannot_be_acknowledged_afterwards() {
    let mut e = engine(PM25_150_120);
    let id = e.observe(&pm25(151.0, T0), T0)[1].alert.id;
    e.acknowledge(id, "lan", "", T0 + S).expect("ack");
    let c = e.observe(&pm25(100.0, T0 + MIN), T0 + MIN);
    assert_eq!(kinds(&c), [EventKind::Resolved]);
    assert_eq!(
        e.acknowledge(id, "lan", "", T0 + 2 * MIN),
        Err(AckError::AlreadyResolved(id))
    );
}

#[test]
fn a_pending_alert_cannot_be_acknowledged() {
    let mut e = engine(&format!("{PM25_150_120}for_s = 60\n"));
    let id = e.observe(&pm25(151.0, T0), T0)[0].alert.id;
    assert_eq!(e.acknowledge(id, "lan", "", T0), Err(AckError::Pending(id)));
}

#[test]
fn open_alerts_are_counted_by_severity_without_pending_ones() {
    let body = format!(
        "{PM25_150_120}\n[[rules]]\n{}for_s = 60\n",
        PM25_150_120
            .replace("pm25-high", "pm25-critical")
            .replace("\"major\"", "\"critical\"")
    );
    let mut e = engine(&body);
    e.observe(&pm25(151.0, T0), T0);
    let c = e.counts_by_severity();
    assert_eq!((c.major, c.critical, c.total()), (1, 0, 1));
    e.tick(T0 + MIN, &never_seen);
    assert_eq!(e.counts_by_severity().critical, 1);
}

#[test]
fn non_finite_values_are_ignored() {
    let mut e = engine(PM25_150_120);
    assert!(e.observe(&pm25(f64::NAN, T0), T0).is_empty());
    assert!(e.observe(&pm25(f64::INFINITY, T0), T0).is_empty());
}

#[test]
fn open_alerts_of_a_rule_removed_from_the_config_are_resolved_at_start() {
    let mut e = engine(PM25_150_120);
    let fired = e.observe(&pm25(151.0, T0), T0).remove(1).alert;
    let other = rules(&PM25_150_120.replace("pm25-high", "renamed"));
    let (e2, changes) = Engine::new(other, vec![fired.clone()], 1, T0 + MIN);
    assert_eq!(kinds(&changes), [EventKind::Resolved]);
    assert_eq!(changes[0].alert.id, fired.id);
    assert_eq!(e2.open_alerts().count(), 0);
}
