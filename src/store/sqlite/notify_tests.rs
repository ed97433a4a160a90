use super::*;
use crate::alerts::tests::{engine, pm25, MIN, PM25_150_120, T0};
use crate::alerts::AlertRepo;
use crate::store::SqliteAlerts;

#[test]
fn decided_changes_are_enqueued_once_in_order_and_a_retry_holds_the_ones_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.db");
    let mut e = engine(PM25_150_120);
    let fired = e.observe(&pm25(151.0, T0), T0);
    let resolved = e.observe(&pm25(100.0, T0 + MIN), T0 + MIN);
    let mut alerts = SqliteAlerts::open(&path)
        .expect("open")
        .with_notify(crate::notify::Routes::new(
            Vec::new(),
            vec!["webhook".into()],
        ))
        .expect("notify");
    alerts.apply(&fired, true).expect("apply");
    alerts.apply(&fired, true).expect("a change stored twice");
    alerts
        .apply(&resolved, false)
        .expect("adopted, not decided here");
    let mut outbox = SqliteNotify::open(&path, "webhook").expect("outbox");
    let due = outbox.due(T0 + MIN, 10, &[]).expect("due");
    let events: Vec<&str> = due.iter().map(|q| q.event.as_str()).collect();
    assert_eq!(
        events,
        ["alert.firing"],
        "pending is not told, and only decided changes"
    );
    alerts.apply(&resolved, true).expect("apply");
    assert_eq!(outbox.waiting().expect("waiting"), 2);

    let first = outbox.due(T0 + MIN, 10, &[]).expect("due")[0].id.clone();
    outbox
        .failed(&first, T0 + 10 * MIN, "down")
        .expect("failed");
    assert!(
        outbox.due(T0 + 2 * MIN, 10, &[]).expect("due").is_empty(),
        "the later one waits"
    );
    let retry = outbox.due(T0 + 10 * MIN, 10, &[]).expect("due");
    assert_eq!((retry.len(), retry[0].attempts), (2, 1));
    outbox.delivered(&first, T0 + 10 * MIN).expect("delivered");
    let left = outbox.due(T0 + 10 * MIN, 10, &[]).expect("due");
    assert_eq!(
        left.iter().map(|q| q.event.as_str()).collect::<Vec<_>>(),
        ["alert.resolved"]
    );
    assert_eq!(outbox.prune(T0 + 11 * MIN).expect("prune"), 1);
    assert_eq!(outbox.waiting().expect("waiting"), 1);
}

#[test]
fn a_change_no_route_matches_is_not_enqueued() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.db");
    let fired = engine(PM25_150_120).observe(&pm25(151.0, T0), T0);
    let route = crate::notify::Route {
        min_severity: Some("critical".into()),
        domains: Vec::new(),
        districts: Vec::new(),
        rules: Vec::new(),
        events: Vec::new(),
        channels: vec!["webhook".into()],
    };
    let routes = crate::notify::Routes::new(vec![route], vec!["webhook".into()]);
    let mut alerts = SqliteAlerts::open(&path)
        .expect("open")
        .with_notify(routes)
        .expect("notify");
    alerts.apply(&fired, true).expect("apply");
    let outbox = SqliteNotify::open(&path, "webhook").expect("outbox");
    assert_eq!(
        outbox.waiting().expect("waiting"),
        0,
        "a major alert under a critical-only route"
    );
}

#[test]
fn in_quiet_hours_only_the_severities_allowed_are_due_and_the_rest_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.db");
    let mut alerts = SqliteAlerts::open(&path)
        .expect("open")
        .with_notify(crate::notify::Routes::new(Vec::new(), vec!["email".into()]))
        .expect("notify");
    // PM25_150_120 is a major rule.
    alerts
        .apply(&engine(PM25_150_120).observe(&pm25(151.0, T0), T0), true)
        .expect("apply");
    let outbox = SqliteNotify::open(&path, "email").expect("outbox");
    assert!(
        outbox
            .due(T0 + MIN, 10, &["critical"])
            .expect("due")
            .is_empty(),
        "held"
    );
    assert_eq!(
        outbox
            .due(T0 + MIN, 10, &["critical", "major"])
            .expect("due")
            .len(),
        1
    );
    assert_eq!(
        outbox.due(T0 + MIN, 10, &[]).expect("due").len(),
        1,
        "after the window"
    );
}

#[test]
fn changes_of_one_instant_leave_in_the_order_they_were_made() {
    use crate::incidents::{Link, NewIncident, Procedures};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ioc.db");
    let routes = crate::notify::Routes::new(Vec::new(), vec!["webhook".into()]);
    let repo = crate::store::SqliteIncidents::open(&path)
        .expect("open")
        .with_notify(routes)
        .expect("notify");
    let service = crate::incidents::IncidentService::new(
        Box::new(repo),
        Procedures::builtin().expect("procedures"),
    );
    let new = NewIncident {
        title: "Ngập".into(),
        category: "flood".into(),
        severity: crate::alerts::Severity::Major,
        district: "cam-le".into(),
        lat: None,
        lon: None,
        description: String::new(),
    };
    let (inc, _) = service.open(new, "ioc", Link::None, T0).expect("open");
    service
        .link(inc.id, Link::Event("cam-1".into()), "ioc", T0)
        .expect("link");
    let outbox = SqliteNotify::open(&path, "webhook").expect("outbox");
    let due = outbox.due(T0 + MIN, 10, &[]).expect("due");
    let events: Vec<&str> = due.iter().map(|q| q.event.as_str()).collect();
    assert_eq!(
        events,
        ["incident.opened", "incident.linked"],
        "not by id, which sorts linked first"
    );
}
