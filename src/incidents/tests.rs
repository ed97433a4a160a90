use super::*;
use crate::alerts::Severity;

fn procedures() -> Procedures {
    Procedures::builtin().expect("built-in procedures")
}

fn flood(p: &Procedures) -> Incident {
    let new = NewIncident {
        title: "Ngập đường Lê Duẩn".into(),
        category: "flood".into(),
        severity: Severity::Major,
        district: "hai-chau".into(),
        lat: None,
        lon: None,
        description: String::new(),
    };
    let (inc, entry) = lifecycle::open(new, p, "key:op", "by hand", 1_000).expect("open");
    assert_eq!(entry.kind, EntryKind::Opened);
    inc
}

fn act(inc: &mut Incident, p: &Procedures, a: Action, at: i64) -> Result<Entry, IncidentError> {
    lifecycle::act(inc, a, p, "key:op", at)
}

#[test]
fn an_incident_walks_its_procedure_to_closure() {
    let p = procedures();
    let mut inc = flood(&p);
    assert_eq!(inc.status, Status::New);
    assert_eq!(
        inc.checklist.len(),
        p.category("flood").expect("flood").steps.len()
    );
    assert_eq!(inc.sla.assign_by_ms, Some(1_000 + 15 * 60_000));
    let e = act(&mut inc, &p, Action::Assign("drainage".into()), 2_000).expect("assign");
    assert_eq!(
        (inc.status, e.detail.as_str()),
        (Status::Assigned, "drainage")
    );
    act(&mut inc, &p, Action::Status(Status::InProgress), 3_000).expect("start");
    let refused = act(&mut inc, &p, Action::Status(Status::Resolved), 4_000);
    let msg = refused.expect_err("steps left").to_string();
    assert!(
        msg.contains("confirm") && !msg.contains("evacuate"),
        "{msg}"
    );
    let steps: Vec<String> = inc
        .checklist
        .iter()
        .filter(|c| !c.optional)
        .map(|c| c.step.clone())
        .collect();
    for step in steps {
        act(&mut inc, &p, Action::Tick { step, done: true }, 5_000).expect("tick");
    }
    assert!(inc
        .checklist
        .iter()
        .filter(|c| !c.optional)
        .all(|c| c.done && c.by.as_deref() == Some("key:op")));
    act(&mut inc, &p, Action::Status(Status::Resolved), 6_000).expect("resolve");
    act(&mut inc, &p, Action::Status(Status::Closed), 7_000).expect("close");
    let e = act(&mut inc, &p, Action::Comment("late".into()), 8_000);
    assert!(
        e.is_ok(),
        "a comment on a closed incident is still recorded"
    );
    let e = act(&mut inc, &p, Action::Assign("drainage".into()), 8_000).expect_err("closed");
    assert!(e.to_string().contains("closed"), "{e}");
}

#[test]
fn refusals_say_what_is_allowed() {
    let p = procedures();
    let mut inc = flood(&p);
    let e = act(&mut inc, &p, Action::Status(Status::Resolved), 2).expect_err("skip");
    assert!(e.to_string().contains("assigned, cancelled"), "{e}");
    let e = act(&mut inc, &p, Action::Status(Status::Assigned), 2).expect_err("no assignee");
    assert!(e.to_string().contains("/assign"), "{e}");
    let e = act(&mut inc, &p, Action::Assign("nobody".into()), 2).expect_err("dept");
    assert!(e.to_string().contains("drainage"), "{e}");
    let e = act(
        &mut inc,
        &p,
        Action::Tick {
            step: "nope".into(),
            done: true,
        },
        2,
    )
    .expect_err("step");
    assert!(e.to_string().contains("confirm"), "{e}");
    act(&mut inc, &p, Action::Status(Status::Cancelled), 3).expect("cancel");
    let e = act(&mut inc, &p, Action::Status(Status::InProgress), 4).expect_err("finished");
    assert!(e.to_string().contains("finished"), "{e}");
}

#[test]
fn service_levels_breach_once_each() {
    let p = procedures();
    let mut inc = flood(&p);
    let assign_by = inc.sla.assign_by_ms.expect("target");
    assert!(lifecycle::overdue(&inc, assign_by).is_empty());
    assert_eq!(lifecycle::overdue(&inc, assign_by + 1), vec!["assign"]);
    lifecycle::breach(&mut inc, "assign", assign_by + 1);
    assert!(lifecycle::overdue(&inc, assign_by + 2).is_empty());
    assert_eq!(
        breach_counts(std::slice::from_ref(&inc)).get("hai-chau"),
        Some(&1)
    );
    let resolve_by = inc.sla.resolve_by_ms.expect("target");
    assert_eq!(lifecycle::overdue(&inc, resolve_by + 1), vec!["resolve"]);
    inc.status = Status::Resolved;
    assert!(lifecycle::overdue(&inc, resolve_by + 1).is_empty());
    assert!(
        breach_counts(&[inc]).is_empty(),
        "a resolved incident no longer counts"
    );
}

#[test]
fn every_entry_names_a_routable_event() {
    let p = procedures();
    let mut inc = flood(&p);
    for status in Status::ALL {
        inc.status = status;
        for kind in EntryKind::ALL {
            let e = Entry {
                at_ms: 0,
                by: "x".into(),
                kind,
                detail: String::new(),
            };
            let name = event_of(&e, &inc);
            if kind == EntryKind::Status && status == Status::New {
                continue; // never happens: no status moves to new
            }
            assert!(EVENTS.contains(&name.as_str()), "{name}");
        }
    }
}

#[test]
fn linking_twice_changes_nothing() {
    let p = procedures();
    let mut inc = flood(&p);
    assert!(lifecycle::link(&mut inc, Some(4), None, "ioc", 5).is_some());
    assert!(lifecycle::link(&mut inc, Some(4), None, "ioc", 6).is_none());
    assert!(lifecycle::link(&mut inc, None, Some("cam-1"), "ioc", 7).is_some());
    assert_eq!(
        (inc.alerts.clone(), inc.events.clone()),
        (vec![4], vec!["cam-1".to_owned()])
    );
}
