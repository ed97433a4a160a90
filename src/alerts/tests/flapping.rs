use super::*;

#[test]
fn an_alert_that_fires_again_within_the_flap_window_is_reopened_and_marked_flapping() {
    let mut e = engine(PM25_150_120);
    let first = e.observe(&pm25(151.0, T0), T0).remove(1).alert;
    e.observe(&pm25(100.0, T0 + MIN), T0 + MIN);

    let t = T0 + 6 * MIN;
    let again = e.observe(&pm25(160.0, t), t);
    assert_eq!(kinds(&again), [EventKind::Reopened, EventKind::Firing]);
    let a = &again[1].alert;
    assert_eq!(a.id, first.id, "the same alert, not a duplicate");
    assert!(a.flapping);
    assert_eq!(a.flap_count, 1);
    assert_eq!(
        (a.state, a.resolved_ms, a.fired_ms),
        (AlertState::Firing, None, Some(t))
    );

    e.observe(&pm25(100.0, t + MIN), t + MIN);
    let third = e.observe(&pm25(170.0, t + 5 * MIN), t + 5 * MIN);
    assert_eq!(third[1].alert.flap_count, 2);
    assert_eq!(e.open_alerts().count(), 1);
}

#[test]
fn an_alert_that_fires_again_after_the_flap_window_is_a_new_alert() {
    let mut e = engine(PM25_150_120);
    let first = e.observe(&pm25(151.0, T0), T0).remove(1).alert;
    e.observe(&pm25(100.0, T0 + MIN), T0 + MIN);
    e.tick(T0 + 5 * MIN, &never_seen);

    let t = T0 + MIN + 10 * MIN + 1;
    let again = e.observe(&pm25(160.0, t), t);
    assert_eq!(kinds(&again), [EventKind::Pending, EventKind::Firing]);
    assert_ne!(again[1].alert.id, first.id);
    assert!(!again[1].alert.flapping);
}

#[test]
fn a_reopened_alert_that_clears_while_pending_goes_back_to_resolved() {
    let mut e = engine(&format!("{PM25_150_120}for_s = 120\n"));
    e.observe(&pm25(151.0, T0), T0);
    let id = e.tick(T0 + 2 * MIN, &never_seen)[0].alert.id;
    let resolved_at = T0 + 3 * MIN;
    e.observe(&pm25(100.0, resolved_at), resolved_at);

    let reopened = e.observe(&pm25(151.0, T0 + 4 * MIN), T0 + 4 * MIN);
    assert_eq!(kinds(&reopened), [EventKind::Reopened]);
    assert_eq!(
        (reopened[0].alert.id, reopened[0].alert.state),
        (id, AlertState::Pending)
    );

    let dropped = e.observe(&pm25(100.0, T0 + 5 * MIN), T0 + 5 * MIN);
    assert_eq!(kinds(&dropped), [EventKind::Dropped]);
    let a = &dropped[0].alert;
    assert_eq!(
        (a.state, a.resolved_ms, a.flapping),
        (AlertState::Resolved, Some(resolved_at), false)
    );
}

#[test]
fn a_reopened_alert_must_be_acknowledged_again() {
    let mut e = engine(PM25_150_120);
    let id = e.observe(&pm25(151.0, T0), T0)[1].alert.id;
    e.acknowledge(id, "lan", "looking", T0 + S).expect("ack");
    e.observe(&pm25(100.0, T0 + MIN), T0 + MIN);
    let again = e.observe(&pm25(151.0, T0 + 2 * MIN), T0 + 2 * MIN);
    assert_eq!(again[1].alert.state, AlertState::Firing);
    assert_eq!(again[1].alert.acknowledged, None);
    assert!(e.acknowledge(id, "minh", "", T0 + 3 * MIN).is_ok());
}
