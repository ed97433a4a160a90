//! The alert service on its SQLite repository: history across restarts, races, filters and
//! the broadcast. (Moved from `alerts/tests/`: alerts may not import the store.)

use std::sync::{Arc, Barrier};

use super::alerts::SqliteAlerts;
use crate::alerts::tests::{
    engine, kinds, never_seen, pm25, reading, rules, MIN, PM25_150_120, S, T0,
};
use crate::alerts::*;

fn open(dir: &tempfile::TempDir, rule_body: &str, now_ms: i64) -> AlertService {
    let repo = SqliteAlerts::open(&dir.path().join("ioc.db")).expect("open repo");
    AlertService::open(rules(rule_body), repo, now_ms).expect("open service")
}

fn open_filter() -> AlertFilter {
    AlertFilter {
        state: Some(StateFilter::Open),
        ..AlertFilter::default()
    }
}

fn history_kinds(d: &AlertDetail) -> Vec<EventKind> {
    d.history.iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn an_open_alert_and_its_history_survive_a_restart_and_are_not_duplicated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let id = svc.observe(&pm25(151.0, T0), T0).expect("observe")[1]
        .alert
        .id;
    svc.acknowledge(id, "lan", "on it", T0 + S)
        .await
        .expect("ack");
    drop(svc);

    let svc = open(&dir, PM25_150_120, T0 + MIN);
    let open = svc.list(&open_filter()).await.expect("list");
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].id, open[0].state), (id, AlertState::Acknowledged));
    let d = svc.get(id).await.expect("get").expect("stored");
    assert_eq!(
        history_kinds(&d),
        [
            EventKind::Pending,
            EventKind::Firing,
            EventKind::Acknowledged
        ]
    );
    assert_eq!(d.history[2].by.as_deref(), Some("lan"));
    assert_eq!(d.history[2].comment.as_deref(), Some("on it"));
    assert_eq!(d.history[1].value, Some(151.0));

    assert!(svc
        .observe(&pm25(180.0, T0 + 2 * MIN), T0 + 2 * MIN)
        .expect("observe")
        .is_empty());
    let resolved = svc
        .observe(&pm25(100.0, T0 + 3 * MIN), T0 + 3 * MIN)
        .expect("observe");
    assert_eq!(
        resolved[0].alert.id, id,
        "the reloaded alert resolves, no second one"
    );
    assert_eq!(
        svc.list(&AlertFilter::default()).await.expect("list").len(),
        1
    );
}

#[tokio::test]
async fn a_pending_alert_keeps_its_start_time_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = format!("{PM25_150_120}for_s = 300\n");
    let svc = open(&dir, &body, T0);
    svc.observe(&pm25(151.0, T0), T0).expect("observe");
    drop(svc);

    let svc = open(&dir, &body, T0 + MIN);
    assert!(svc
        .tick(T0 + 4 * MIN, &never_seen)
        .expect("tick")
        .is_empty());
    let fired = svc.tick(T0 + 5 * MIN, &never_seen).expect("tick");
    assert_eq!(kinds(&fired), [EventKind::Firing]);
}

#[tokio::test]
async fn flapping_is_detected_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let id = svc.observe(&pm25(151.0, T0), T0).expect("observe")[1]
        .alert
        .id;
    svc.observe(&pm25(100.0, T0 + MIN), T0 + MIN)
        .expect("observe");
    drop(svc);

    let svc = open(&dir, PM25_150_120, T0 + 2 * MIN);
    let again = svc
        .observe(&pm25(151.0, T0 + 3 * MIN), T0 + 3 * MIN)
        .expect("observe");
    assert_eq!((again[1].alert.id, again[1].alert.flap_count), (id, 1));
    let d = svc.get(id).await.expect("get").expect("stored");
    assert_eq!(
        history_kinds(&d),
        [
            EventKind::Pending,
            EventKind::Firing,
            EventKind::Resolved,
            EventKind::Reopened,
            EventKind::Firing
        ]
    );
}

#[tokio::test]
async fn one_condition_fired_from_many_threads_at_once_opens_exactly_one_alert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Arc::new(open(&dir, PM25_150_120, T0));
    let threads = 16;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (svc, barrier) = (svc.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut fired = 0;
                for j in 0..20 {
                    let t = T0 + j;
                    let c = svc.observe(&pm25(151.0 + i as f64, t), t).expect("observe");
                    fired += c
                        .iter()
                        .filter(|c| c.event.kind == EventKind::Firing)
                        .count();
                }
                fired
            })
        })
        .collect();
    let fired: usize = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(fired, 1);
    assert_eq!(
        svc.list(&AlertFilter::default()).await.expect("list").len(),
        1
    );
    assert_eq!(svc.open_alerts().len(), 1);
}

#[tokio::test]
async fn acknowledge_reports_unknown_resolved_and_already_acknowledged_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let id = svc.observe(&pm25(151.0, T0), T0).expect("observe")[1]
        .alert
        .id;
    let a = svc
        .acknowledge(id, "lan", "crew sent", T0 + S)
        .await
        .expect("ack");
    let ack = a.acknowledged.expect("recorded");
    assert_eq!(
        (ack.by.as_str(), ack.at_ms, ack.comment.as_str()),
        ("lan", T0 + S, "crew sent")
    );
    assert!(matches!(
        svc.acknowledge(id, "minh", "", T0 + 2 * S).await,
        Err(AckError::AlreadyAcknowledged { .. })
    ));
    assert_eq!(
        svc.acknowledge(42, "minh", "", T0).await,
        Err(AckError::NotFound(42))
    );

    svc.observe(&pm25(100.0, T0 + MIN), T0 + MIN)
        .expect("observe");
    // Past the flap window the engine forgets the alert; the store still knows it resolved.
    svc.tick(T0 + 30 * MIN, &never_seen).expect("tick");
    assert_eq!(
        svc.acknowledge(id, "minh", "", T0 + 31 * MIN).await,
        Err(AckError::AlreadyResolved(id))
    );
}

#[tokio::test]
async fn a_dropped_pending_alert_leaves_nothing_in_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, &format!("{PM25_150_120}for_s = 300\n"), T0);
    let id = svc.observe(&pm25(151.0, T0), T0).expect("observe")[0]
        .alert
        .id;
    assert!(
        svc.get(id).await.expect("get").is_some(),
        "a pending alert is stored and listed"
    );
    svc.observe(&pm25(100.0, T0 + MIN), T0 + MIN)
        .expect("observe");
    assert!(svc.get(id).await.expect("get").is_none());
    assert!(svc
        .list(&AlertFilter::default())
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn listing_filters_by_state_severity_and_domain_and_counts_open_alerts_by_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    svc.observe(&pm25(151.0, T0), T0).expect("observe");
    let b = reading("aq-0002", "hai-chau", "pm25", 151.0, T0);
    svc.observe(&b, T0).expect("observe");
    svc.observe(&Observation { value: 100.0, ..b }, T0 + MIN)
        .expect("observe");

    let list = |state, severity, domain: Option<&str>| {
        let filter = AlertFilter {
            state,
            severity,
            domain: domain.map(str::to_owned),
            ..AlertFilter::default()
        };
        let svc = &svc;
        async move { svc.list(&filter).await.expect("list").len() }
    };
    assert_eq!(list(None, None, None).await, 2);
    assert_eq!(list(Some(StateFilter::Open), None, None).await, 1);
    assert_eq!(
        list(Some(StateFilter::Is(AlertState::Resolved)), None, None).await,
        1
    );
    assert_eq!(
        list(None, Some(Severity::Major), Some("environment")).await,
        2
    );
    assert_eq!(list(None, Some(Severity::Critical), None).await, 0);
    assert_eq!(list(None, None, Some("traffic")).await, 0);
    assert_eq!(svc.counts_by_severity().major, 1);
}

#[tokio::test]
async fn subscribers_receive_every_stored_change_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let mut rx = svc.subscribe();
    svc.observe(&pm25(151.0, T0), T0).expect("observe");
    svc.observe(&pm25(100.0, T0 + MIN), T0 + MIN)
        .expect("observe");
    let got: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok())
        .map(|c| c.event.kind)
        .collect();
    assert_eq!(
        got,
        [EventKind::Pending, EventKind::Firing, EventKind::Resolved]
    );
}

#[test]
fn the_store_refuses_a_second_open_alert_for_the_same_rule_and_subject() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = engine(PM25_150_120);
    let mut change = e.observe(&pm25(151.0, T0), T0).remove(1);
    let mut repo = SqliteAlerts::open(&dir.path().join("ioc.db")).expect("open");
    repo.apply(std::slice::from_ref(&change), false)
        .expect("first");
    change.alert.id += 1;
    assert!(repo.apply(&[change], false).is_err());
}

#[tokio::test]
async fn changes_submitted_without_waiting_are_stored_in_order_before_a_later_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let opened = svc.submit(&[pm25(151.0, T0)], T0).expect("submit");
    svc.submit(&[pm25(100.0, T0 + MIN)], T0 + MIN)
        .expect("submit");
    let d = svc
        .get(opened[1].alert.id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(
        history_kinds(&d),
        [EventKind::Pending, EventKind::Firing, EventKind::Resolved]
    );
}

#[tokio::test]
async fn a_rules_reload_keeps_alerts_of_kept_rules_and_resolves_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = open(&dir, PM25_150_120, T0);
    let id = svc.observe(&pm25(151.0, T0), T0).expect("observe")[1]
        .alert
        .id;
    let kept = svc
        .reload_rules(rules(PM25_150_120), T0 + S)
        .await
        .expect("reload");
    assert!(kept.is_empty(), "{kept:?}");
    assert_eq!(svc.open_alerts()[0].id, id);

    let other = PM25_150_120.replace("pm25-high", "pm25-other");
    let changed = svc
        .reload_rules(rules(&other), T0 + 2 * S)
        .await
        .expect("reload");
    assert_eq!(kinds(&changed), [EventKind::Resolved]);
    let d = svc.get(id).await.expect("get").expect("stored");
    assert_eq!(d.alert.state, AlertState::Resolved);
    assert!(svc.open_alerts().is_empty());
}
