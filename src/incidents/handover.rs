//! Shift handover and the SLA alert's input: pure views over incidents and their timelines.

use std::collections::BTreeMap;

use serde::Serialize;

use super::incident::{Entry, EntryKind, Incident, Status};

/// One thing somebody did to an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Done {
    pub incident: i64,
    #[serde(flatten)]
    pub entry: Entry,
}

/// What the next shift needs: what opened since, what is still open, what breached its
/// service levels since, and who did what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handover {
    pub since_ms: i64,
    pub until_ms: i64,
    pub opened: Vec<Incident>,
    pub still_open: Vec<Incident>,
    pub breached: Vec<Incident>,
    pub actions: Vec<Done>,
    /// True when there were more actions than the listing holds (the oldest are shown).
    pub actions_truncated: bool,
}

impl Handover {
    /// Builds the handover from the open incidents, the incidents opened since (any status)
    /// and the timeline entries since (`limit` at most, `truncated` when more existed).
    pub fn build(
        since_ms: i64,
        until_ms: i64,
        open: Vec<Incident>,
        opened: Vec<Incident>,
        log: Vec<(i64, Entry)>,
        truncated: bool,
    ) -> Handover {
        let breached_ids: Vec<i64> = log
            .iter()
            .filter(|(_, e)| e.kind == EntryKind::SlaBreached)
            .map(|(id, _)| *id)
            .collect();
        let breached = open
            .iter()
            .chain(opened.iter())
            .filter(|i| breached_ids.contains(&i.id))
            .fold(Vec::<Incident>::new(), |mut acc, i| {
                if !acc.iter().any(|a| a.id == i.id) {
                    acc.push(i.clone());
                }
                acc
            });
        Handover {
            since_ms,
            until_ms,
            opened,
            still_open: open,
            breached,
            actions: log
                .into_iter()
                .map(|(incident, entry)| Done { incident, entry })
                .collect(),
            actions_truncated: truncated,
        }
    }
}

/// Per district, the open incidents that missed a service level and are not yet resolved:
/// the value of the `incident_sla_breaches` signal the SLA alert rule watches.
pub fn breach_counts(open: &[Incident]) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for i in open {
        let working = matches!(
            i.status,
            Status::New | Status::Assigned | Status::InProgress
        );
        if working && !i.sla.breached.is_empty() {
            *counts.entry(i.district.clone()).or_insert(0) += 1;
        }
    }
    counts
}
