//! `[[events.rules]]`: which events open incidents. A rule matches events of a kind, class or
//! category and confidence; when `count` of them arrive in one district within `within_s`, an
//! incident of its category opens with the procedure, linking them. While such an incident is
//! open in that district, each further matching event is linked to it instead. Pure.

use serde::Deserialize;

use super::event::{Event, Kind};
use crate::alerts::Severity;
use crate::incidents::Procedures;
use crate::setting::Invalid;

/// One rule, as configured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    pub id: String,
    /// `citizen_report` or `camera`; absent: either.
    #[serde(default)]
    pub kind: Option<String>,
    /// Classes or categories matched; empty: any.
    #[serde(default)]
    pub what: Vec<String>,
    /// Least confidence of a camera detection (0 to 1).
    #[serde(default)]
    pub min_confidence: f64,
    /// Matching events in one district within `within_s` that open an incident.
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default = "ten_minutes")]
    pub within_s: u64,
    /// The incident's category; absent: the procedures' category of the event's class or
    /// category.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default = "minor")]
    pub severity: String,
}

fn one() -> u32 {
    1
}

fn ten_minutes() -> u64 {
    600
}

fn minor() -> String {
    "minor".into()
}

impl EventRule {
    pub fn kind(&self) -> Option<Kind> {
        self.kind.as_deref().and_then(Kind::parse)
    }

    pub fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Minor)
    }

    pub fn matches(&self, e: &Event) -> bool {
        self.kind().is_none_or(|k| k == e.kind)
            && (self.what.is_empty() || self.what.iter().any(|w| w == e.what()))
            && e.confidence.is_none_or(|c| c >= self.min_confidence)
    }

    /// The incident category for `e`.
    pub fn category<'a>(&'a self, e: &Event, procedures: &'a Procedures) -> &'a str {
        self.category
            .as_deref()
            .unwrap_or_else(|| procedures.for_event(e.what()))
    }

    pub fn window_ms(&self) -> i64 {
        i64::try_from(self.within_s).unwrap_or(i64::MAX / 2_000) * 1000
    }
}

/// Refuses a rule the service could not apply, naming its key.
pub fn validate(rules: &[EventRule], procedures: Option<&Procedures>) -> Result<(), Invalid> {
    for (i, r) in rules.iter().enumerate() {
        let key = |k: &str| format!("events.rules[{i}].{k}");
        if !crate::model::is_valid_id(&r.id) || rules[..i].iter().any(|o| o.id == r.id) {
            return Err(Invalid::new(
                &key("id"),
                &r.id,
                "1 to 64 of a-z 0-9 - _ ., unique",
            ));
        }
        if r.kind.is_some() && r.kind().is_none() {
            return Err(Invalid::new(
                &key("kind"),
                format!("{:?}", r.kind),
                "citizen_report or camera",
            ));
        }
        if !(0.0..=1.0).contains(&r.min_confidence) {
            return Err(Invalid::new(
                &key("min_confidence"),
                r.min_confidence,
                "0 to 1",
            ));
        }
        if !(1..=1000).contains(&r.count) {
            return Err(Invalid::new(&key("count"), r.count, "1 to 1000"));
        }
        if !(1..=86_400).contains(&r.within_s) {
            return Err(Invalid::new(
                &key("within_s"),
                r.within_s,
                "1 to 86400 seconds",
            ));
        }
        if Severity::parse(&r.severity).is_none() {
            return Err(Invalid::new(
                &key("severity"),
                &r.severity,
                "warning, minor, major or critical",
            ));
        }
        let unknown = r
            .category
            .as_deref()
            .filter(|c| procedures.is_some_and(|p| p.category(c).is_none()));
        if let (Some(c), Some(p)) = (unknown, procedures) {
            return Err(Invalid::new(
                &key("category"),
                c,
                format!("a procedures category: {}", p.category_ids()),
            ));
        }
    }
    Ok(())
}
