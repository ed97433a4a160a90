//! The alert record, its lifecycle states, its history events, and the input the engine reads.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rule::Severity;
use super::subject::Subject;

/// One value of one signal for one subject: a raw reading or an indicator value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub subject: Subject,
    pub domain: Arc<str>,
    /// The district the subject lies in; `None` for a city-wide aggregate.
    pub district: Option<Arc<str>>,
    /// The sensor, for a sensor subject (lets rules scope to one sensor).
    pub sensor: Option<Arc<str>>,
    /// A raw metric name (`pm25`) or an indicator name (`vn_aqi`).
    pub signal: Arc<str>,
    pub value: f64,
    /// Source time of the value (used by rate-of-change windows).
    pub ts_ms: i64,
}

/// Where an alert is in its lifecycle: pending → firing → acknowledged → resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// The condition holds but not yet for the rule's `for_s`.
    Pending,
    Firing,
    /// Firing, and an operator has taken it.
    Acknowledged,
    Resolved,
    /// A new alert whose condition cleared while pending: it never fired and is not stored.
    /// Only ever seen in an [`AlertChange`].
    Dropped,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
            AlertState::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<AlertState> {
        [
            AlertState::Pending,
            AlertState::Firing,
            AlertState::Acknowledged,
            AlertState::Resolved,
            AlertState::Dropped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Pending, firing or acknowledged: at most one such alert per rule and subject.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AlertState::Pending | AlertState::Firing | AlertState::Acknowledged
        )
    }
}

/// Who took an alert, when, and what they said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub by: String,
    pub at_ms: i64,
    pub comment: String,
}

/// An alert: one rule's condition on one subject, from first pending to resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub rule_id: String,
    pub subject: Subject,
    pub domain: String,
    pub district: Option<String>,
    pub signal: String,
    /// Copied from the rule when the alert opened.
    pub severity: Severity,
    /// The rule's description.
    pub title: String,
    pub state: AlertState,
    /// The value at the latest transition (for staleness: seconds without data).
    pub value: f64,
    /// When the condition first held (start of pending).
    pub opened_ms: i64,
    /// When it last started firing.
    pub fired_ms: Option<i64>,
    /// The acknowledgement of the current firing; cleared when a flapping alert reopens.
    pub acknowledged: Option<Ack>,
    /// When it last resolved; kept while a reopened alert is pending again.
    pub resolved_ms: Option<i64>,
    /// Set once the alert has resolved and fired again within its rule's flap window.
    pub flapping: bool,
    /// How many times it fired again within the flap window.
    pub flap_count: u32,
    pub updated_ms: i64,
}

/// What happened to an alert; one row of its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Pending,
    Firing,
    Acknowledged,
    Resolved,
    /// The condition cleared while pending, before the rule's `for_s`.
    Dropped,
    /// A resolved alert's condition returned within the flap window.
    Reopened,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Pending => "pending",
            EventKind::Firing => "firing",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Resolved => "resolved",
            EventKind::Dropped => "dropped",
            EventKind::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Pending,
            EventKind::Firing,
            EventKind::Acknowledged,
            EventKind::Resolved,
            EventKind::Dropped,
            EventKind::Reopened,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One transition with its time and value; for acknowledgements, who and their comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub kind: EventKind,
    pub at_ms: i64,
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl AlertEvent {
    pub fn new(kind: EventKind, at_ms: i64, value: f64) -> AlertEvent {
        AlertEvent {
            kind,
            at_ms,
            value: Some(value),
            by: None,
            comment: None,
        }
    }
}

/// One transition: the alert as it is after it, and the event that was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertChange {
    pub alert: Alert,
    pub event: AlertEvent,
}

/// An alert with its whole history, oldest event first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    pub history: Vec<AlertEvent>,
    /// The notifications of its changes, oldest first (when notifications are configured).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<Notification>,
}

/// One notification of an alert's change and how its delivery went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// `alert.firing`, `alert.acknowledged`, `alert.resolved` or `alert.escalated`.
    pub event: String,
    /// The delivery id the receiver sees.
    pub id: String,
    pub attempts: u32,
    /// When it was delivered; `None` while it waits or retries.
    pub delivered_ms: Option<i64>,
    /// Why the last attempt failed, while it retries.
    pub last_error: Option<String>,
    /// `webhook` or `email`.
    pub channel: String,
}

/// Open (firing or acknowledged) alerts per severity, for the city KPI header. Pending alerts
/// are not counted: nobody has been alerted yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub critical: u32,
    pub major: u32,
    pub minor: u32,
    pub warning: u32,
}

impl SeverityCounts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::Major => self.major += 1,
            Severity::Minor => self.minor += 1,
            Severity::Warning => self.warning += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.critical + self.major + self.minor + self.warning
    }

    /// `{"critical": n, "major": n, "minor": n, "warning": n}`, as the KPI shows it.
    pub fn by_name(&self) -> std::collections::BTreeMap<String, u64> {
        [
            ("critical", self.critical),
            ("major", self.major),
            ("minor", self.minor),
            ("warning", self.warning),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), u64::from(v)))
        .collect()
    }
}

/// Which alerts a listing returns. Every field that is set must match.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFilter {
    pub state: Option<StateFilter>,
    pub severity: Option<super::Severity>,
    pub domain: Option<String>,
    /// When not empty, only alerts of these domains (a caller's scope).
    pub within_domains: Vec<String>,
    /// When not empty, only alerts of these districts; city-wide alerts are left out.
    pub within_districts: Vec<String>,
    /// When set, only alerts with a smaller id: a page resumes after the last alert of the
    /// previous one.
    pub before_id: Option<i64>,
    /// Most alerts returned, newest (highest id) first.
    pub limit: u32,
}

impl Default for AlertFilter {
    fn default() -> Self {
        AlertFilter {
            state: None,
            severity: None,
            domain: None,
            within_domains: Vec::new(),
            within_districts: Vec::new(),
            before_id: None,
            limit: AlertFilter::DEFAULT_LIMIT,
        }
    }
}

impl AlertFilter {
    pub const DEFAULT_LIMIT: u32 = 500;

    /// The stored states wanted; empty for any.
    pub fn states(&self) -> Vec<AlertState> {
        match self.state {
            None => Vec::new(),
            Some(StateFilter::Open) => vec![
                AlertState::Pending,
                AlertState::Firing,
                AlertState::Acknowledged,
            ],
            Some(StateFilter::Is(s)) => vec![s],
        }
    }
}

/// A state to list by: one stored state, or `open` (pending, firing or acknowledged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Open,
    Is(AlertState),
}

impl StateFilter {
    /// `open`, `pending`, `firing`, `acknowledged` or `resolved`.
    pub fn parse(s: &str) -> Option<StateFilter> {
        match s {
            "open" => Some(StateFilter::Open),
            "dropped" => None,
            _ => AlertState::parse(s).map(StateFilter::Is),
        }
    }
}
