//! What each action does to an incident: pure functions of the incident, the procedures, the
//! caller and the clock. Each returns the timeline entry it records, or why it is refused.

use super::incident::{ChecklistItem, Entry, EntryKind, Incident, Sla, Status};
use super::procedures::Procedures;
use super::IncidentError;
use crate::alerts::Severity;

const MINUTE_MS: i64 = 60_000;

/// What opens an incident: typed by an operator, or made from an alert or an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewIncident {
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub district: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub description: String,
}

/// One change an operator or a department asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Assign(String),
    Comment(String),
    Status(Status),
    /// Ticks (`true`) or unticks a step of the checklist.
    Tick {
        step: String,
        done: bool,
    },
}

/// The incident `new` describes, with its category's checklist and service levels; its id is
/// given when it is stored. `from` says where it came from, for the timeline.
pub fn open(
    new: NewIncident,
    procedures: &Procedures,
    by: &str,
    from: &str,
    now_ms: i64,
) -> Result<(Incident, Entry), IncidentError> {
    let category =
        procedures
            .category(&new.category)
            .ok_or_else(|| IncidentError::UnknownCategory {
                got: new.category.clone(),
                known: procedures.category_ids(),
            })?;
    let within = |min: f64| (min > 0.0).then(|| now_ms + (min * MINUTE_MS as f64).round() as i64);
    let checklist = category
        .steps
        .iter()
        .map(|s| ChecklistItem {
            step: s.step.clone(),
            text_vi: s.text_vi.clone(),
            text_en: s.text_en.clone(),
            optional: s.optional,
            done: false,
            by: None,
            at_ms: None,
        })
        .collect();
    let incident = Incident {
        id: 0,
        title: new.title,
        category: new.category,
        domain: category.domain.clone(),
        severity: new.severity,
        district: new.district,
        lat: new.lat,
        lon: new.lon,
        description: new.description,
        status: Status::New,
        assignee: None,
        opened_ms: now_ms,
        opened_by: by.to_owned(),
        updated_ms: now_ms,
        sla: Sla {
            assign_by_ms: within(category.assign_within_min),
            resolve_by_ms: within(category.resolve_within_min),
            breached: Vec::new(),
        },
        checklist,
        alerts: Vec::new(),
        events: Vec::new(),
        timeline: Vec::new(),
    };
    let entry = entry(now_ms, by, EntryKind::Opened, from.to_owned());
    Ok((incident, entry))
}

fn entry(at_ms: i64, by: &str, kind: EntryKind, detail: String) -> Entry {
    Entry {
        at_ms,
        by: by.to_owned(),
        kind,
        detail,
    }
}

/// Applies `action` to `inc`; on success `inc` is changed and the entry to record returned.
pub fn act(
    inc: &mut Incident,
    action: Action,
    procedures: &Procedures,
    by: &str,
    now_ms: i64,
) -> Result<Entry, IncidentError> {
    let done = match action {
        Action::Assign(who) => assign(inc, who, procedures)?,
        Action::Comment(text) => (EntryKind::Comment, text),
        Action::Status(to) => status(inc, to)?,
        Action::Tick { step, done } => tick(inc, &step, done, by, now_ms)?,
    };
    inc.updated_ms = now_ms;
    Ok(entry(now_ms, by, done.0, done.1))
}

fn closed(inc: &Incident) -> Result<(), IncidentError> {
    if inc.status.is_open() {
        Ok(())
    } else {
        Err(IncidentError::Finished(inc.id, inc.status))
    }
}

fn assign(
    inc: &mut Incident,
    who: String,
    procedures: &Procedures,
) -> Result<(EntryKind, String), IncidentError> {
    closed(inc)?;
    if procedures.department(&who).is_none() {
        return Err(IncidentError::UnknownDepartment {
            got: who,
            known: procedures.department_ids(),
        });
    }
    if inc.status == Status::Resolved {
        return Err(IncidentError::Transition {
            id: inc.id,
            from: inc.status,
            to: "assigned",
            allowed: "reopen it first (status in_progress)".into(),
        });
    }
    if inc.status == Status::New {
        inc.status = Status::Assigned;
    }
    inc.assignee = Some(who.clone());
    Ok((EntryKind::Assigned, who))
}

fn status(inc: &mut Incident, to: Status) -> Result<(EntryKind, String), IncidentError> {
    let from = inc.status;
    if !from.next().contains(&to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(IncidentError::Transition {
            id: inc.id,
            from,
            to: to.as_str(),
            allowed: if allowed.is_empty() {
                "none: it is finished".into()
            } else {
                allowed.join(", ")
            },
        });
    }
    if to == Status::Assigned && inc.assignee.is_none() {
        return Err(IncidentError::NeedsAssignee(inc.id));
    }
    if to == Status::Resolved {
        let open: Vec<&str> = inc
            .checklist
            .iter()
            .filter(|c| !c.done && !c.optional)
            .map(|c| c.step.as_str())
            .collect();
        if !open.is_empty() {
            return Err(IncidentError::StepsLeft(inc.id, open.join(", ")));
        }
    }
    inc.status = to;
    Ok((EntryKind::Status, to.as_str().to_owned()))
}

fn tick(
    inc: &mut Incident,
    step: &str,
    done: bool,
    by: &str,
    now_ms: i64,
) -> Result<(EntryKind, String), IncidentError> {
    closed(inc)?;
    let id = inc.id;
    let known = inc
        .checklist
        .iter()
        .map(|c| c.step.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let item = inc
        .checklist
        .iter_mut()
        .find(|c| c.step == step)
        .ok_or_else(|| IncidentError::UnknownStep {
            id,
            step: crate::model::truncate(step, 64),
            known,
        })?;
    item.done = done;
    item.by = done.then(|| by.to_owned());
    item.at_ms = done.then_some(now_ms);
    let verb = if done { "done" } else { "undone" };
    Ok((EntryKind::Checklist, format!("{step} {verb}")))
}

/// Links alert `alert_id` (or event `event`) to `inc`; `None` when it already was.
pub fn link(
    inc: &mut Incident,
    alert: Option<i64>,
    event: Option<&str>,
    by: &str,
    now_ms: i64,
) -> Option<Entry> {
    let detail = match (alert, event) {
        (Some(a), _) if !inc.alerts.contains(&a) => {
            inc.alerts.push(a);
            format!("alert {a}")
        }
        (None, Some(e)) if !inc.events.iter().any(|x| x == e) => {
            inc.events.push(e.to_owned());
            format!("event {e}")
        }
        _ => return None,
    };
    inc.updated_ms = now_ms;
    Some(entry(now_ms, by, EntryKind::Linked, detail))
}

/// The targets `inc` has missed at `now_ms` and not yet recorded: `assign` while it waits
/// unassigned past `assign_by_ms`, `resolve` while it is unresolved past `resolve_by_ms`.
pub fn overdue(inc: &Incident, now_ms: i64) -> Vec<&'static str> {
    let recorded = |t: &str| inc.sla.breached.iter().any(|b| b == t);
    let past = |by: Option<i64>| by.is_some_and(|t| now_ms > t);
    let mut out = Vec::new();
    if inc.status == Status::New && past(inc.sla.assign_by_ms) && !recorded("assign") {
        out.push("assign");
    }
    let unresolved = matches!(
        inc.status,
        Status::New | Status::Assigned | Status::InProgress
    );
    if unresolved && past(inc.sla.resolve_by_ms) && !recorded("resolve") {
        out.push("resolve");
    }
    out
}

/// Records the missed `target` on `inc`.
pub fn breach(inc: &mut Incident, target: &str, now_ms: i64) -> Entry {
    inc.sla.breached.push(target.to_owned());
    inc.updated_ms = now_ms;
    let detail = match target {
        "assign" => "not assigned within its time to assign",
        _ => "not resolved within its time to resolve",
    };
    entry(
        now_ms,
        "ioc",
        EntryKind::SlaBreached,
        format!("{target}: {detail}"),
    )
}
