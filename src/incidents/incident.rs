//! The incident record, its statuses, its procedure checklist and its timeline.

use serde::{Deserialize, Serialize};

use crate::alerts::Severity;

/// Where an incident is: `new → assigned → in_progress → resolved → closed`, or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Assigned,
    InProgress,
    Resolved,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Assigned,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Not closed and not cancelled: still on somebody's desk (a resolved incident waits for
    /// its closing review).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Cancelled)
    }

    /// The statuses `/status` may move to from here.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::New => &[Status::Assigned, Status::Cancelled],
            Status::Assigned => &[Status::InProgress, Status::Cancelled],
            Status::InProgress => &[Status::Resolved, Status::Cancelled],
            Status::Resolved => &[Status::Closed, Status::InProgress],
            Status::Closed | Status::Cancelled => &[],
        }
    }
}

/// One step of the category's standard operating procedure, as this incident walks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The step's id in the procedure (what `/checklist/{step}` names).
    pub step: String,
    pub text_vi: String,
    pub text_en: String,
    /// An optional step need not be ticked before the incident is resolved.
    #[serde(default)]
    pub optional: bool,
    pub done: bool,
    pub by: Option<String>,
    pub at_ms: Option<i64>,
}

/// The category's service levels, fixed when the incident opened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    /// Assigned by then, or the assignment target is breached.
    pub assign_by_ms: Option<i64>,
    /// Resolved by then, or the resolution target is breached.
    pub resolve_by_ms: Option<i64>,
    /// `assign` and/or `resolve`, once each was missed (never cleared).
    #[serde(default)]
    pub breached: Vec<String>,
}

/// What one timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Opened,
    Assigned,
    Status,
    Comment,
    Checklist,
    Linked,
    SlaBreached,
}

impl EntryKind {
    pub const ALL: [EntryKind; 7] = [
        EntryKind::Opened,
        EntryKind::Assigned,
        EntryKind::Status,
        EntryKind::Comment,
        EntryKind::Checklist,
        EntryKind::Linked,
        EntryKind::SlaBreached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Opened => "opened",
            EntryKind::Assigned => "assigned",
            EntryKind::Status => "status",
            EntryKind::Comment => "comment",
            EntryKind::Checklist => "checklist",
            EntryKind::Linked => "linked",
            EntryKind::SlaBreached => "sla_breached",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One line of an incident's timeline: who did what, when. Every change writes one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at_ms: i64,
    /// The caller (`key:…`, `jwt:…`) or `ioc` for what the system did itself.
    pub by: String,
    pub kind: EntryKind,
    /// What changed, in words: the new status, the assignee, the step, the comment's text.
    pub detail: String,
}

/// An incident: something in the city that people work on until it is resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub category: String,
    /// The category's city domain (what a domain-scoped department key sees).
    pub domain: String,
    pub severity: Severity,
    pub district: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[serde(default)]
    pub description: String,
    pub status: Status,
    /// A department id from the procedures file.
    pub assignee: Option<String>,
    pub opened_ms: i64,
    pub opened_by: String,
    pub updated_ms: i64,
    pub sla: Sla,
    pub checklist: Vec<ChecklistItem>,
    /// Linked alert ids, in the order they were linked.
    pub alerts: Vec<i64>,
    /// Linked event ids.
    pub events: Vec<String>,
    /// Oldest first; empty in listings (read one incident for it).
    #[serde(default)]
    pub timeline: Vec<Entry>,
}

/// One stored change: the incident as it now is and the entry that was recorded; in a cluster,
/// what it linked and the forwarded request it answers (replicas adopt both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub incident: Incident,
    pub entry: Entry,
    #[serde(default, skip_serializing_if = "is_none_link")]
    pub link: super::Link,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

fn is_none_link(l: &super::Link) -> bool {
    *l == super::Link::None
}

/// Which incidents a listing returns. Every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentFilter {
    /// `None`: any; `Some(None)`: open ones; `Some(Some(s))`: that status.
    pub status: Option<Option<Status>>,
    pub district: Option<String>,
    /// When not empty, only incidents of these districts (a caller's scope).
    pub within_districts: Vec<String>,
    /// When not empty, only incidents of these domains (a caller's scope).
    pub within_domains: Vec<String>,
    pub category: Option<String>,
    /// Only incidents opened at or after this time.
    pub opened_since: Option<i64>,
    /// Only ids below this one (the cursor of the previous page).
    pub before_id: Option<i64>,
    pub limit: u32,
}
