//! Typed alert rules. Built only by [`RuleSet::parse`](super::RuleSet::parse), so a `Rule` in
//! hand is always consistent (clear level on the right side of the raise level, positive
//! windows, a known severity).

use serde::{Deserialize, Serialize};

use super::subject::Level;
use super::Observation;
use crate::model::FastMap;

/// How urgent an alert is. Ordered: `Critical` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::Major,
        Severity::Minor,
        Severity::Warning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Warning => "warning",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Which side of the raise level is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Bad when the value reaches the raise level or more; good again at the clear level or less.
    Above,
    /// Bad when the value reaches the raise level or less; good again at the clear level or more.
    Below,
}

/// Raise and clear levels with hysteresis: between them the condition keeps its last state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    pub direction: Direction,
    pub raise: f64,
    /// Strictly on the good side of `raise`.
    pub clear: f64,
}

impl Levels {
    pub fn raises(&self, x: f64) -> bool {
        match self.direction {
            Direction::Above => x >= self.raise,
            Direction::Below => x <= self.raise,
        }
    }

    pub fn clears(&self, x: f64) -> bool {
        match self.direction {
            Direction::Above => x <= self.clear,
            Direction::Below => x >= self.clear,
        }
    }
}

/// What makes a rule's condition true for one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The signal's latest value against the levels.
    Threshold { levels: Levels },
    /// The signal's change per minute over the last `window_ms` of source time (newest sample
    /// minus oldest, divided by their distance) against the levels. Evaluated once the samples
    /// span at least half the window.
    Rate { levels: Levels, window_ms: i64 },
    /// No observation of the signal for `after_ms`.
    Staleness { after_ms: i64 },
}

/// Which observations a rule looks at. Every field that is set must match; an empty scope
/// matches the signal everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub domain: Option<String>,
    pub district: Option<String>,
    pub sensor: Option<String>,
    /// Only subjects of this kind (e.g. district aggregates, not single sensors).
    pub level: Option<Level>,
}

impl Scope {
    pub fn matches(&self, obs: &Observation) -> bool {
        fn eq(want: &Option<String>, got: Option<&str>) -> bool {
            want.as_deref().is_none_or(|w| got == Some(w))
        }
        eq(&self.domain, Some(&*obs.domain))
            && eq(&self.district, obs.district.as_deref())
            && eq(&self.sensor, obs.sensor.as_deref())
            && self.level.is_none_or(|l| l == obs.subject.level())
    }
}

/// One alert rule from `config/alerts.toml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Unique, stable: stored with every alert, so renaming a rule orphans its open alerts.
    pub id: String,
    /// Shown as the alert's title.
    pub description: String,
    /// A raw metric name or an indicator name; the engine does not care which.
    pub signal: String,
    pub severity: Severity,
    pub scope: Scope,
    pub condition: Condition,
    /// How long the condition must hold before the alert fires (pending until then).
    pub for_ms: i64,
    /// A resolved alert whose condition returns within this time is reopened as flapping.
    pub flap_window_ms: i64,
    /// Its alerts are public warnings: published to the province's public-warning channels
    /// as CAP 1.2 (`GET /api/v1/cap`, `cap/`). Off unless the rule file says `public = true`.
    pub public: bool,
}

/// The parsed rule file: the rules in file order, indexed by signal.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_signal: FastMap<String, Vec<usize>>,
}

impl RuleSet {
    /// Rules must already be valid and have unique ids (the parser checks both).
    pub(super) fn new(rules: Vec<Rule>) -> RuleSet {
        let mut by_signal: FastMap<String, Vec<usize>> = FastMap::default();
        for (i, r) in rules.iter().enumerate() {
            by_signal.entry(r.signal.clone()).or_default().push(i);
        }
        RuleSet { rules, by_signal }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, idx: usize) -> Option<&Rule> {
        self.rules.get(idx)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }

    /// Indices of the rules whose signal and scope match `obs`.
    pub fn matching<'a>(&'a self, obs: &'a Observation) -> impl Iterator<Item = usize> + 'a {
        self.by_signal
            .get(&*obs.signal)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| self.rules[i].scope.matches(obs))
    }

    /// The ids of the rules marked `public`, in file order: whose alerts are public warnings.
    pub fn public_ids(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| r.public)
            .map(|r| r.id.clone())
            .collect()
    }

    /// The longest flap window of any rule: how long resolved alerts stay interesting.
    pub fn max_flap_window_ms(&self) -> i64 {
        self.rules
            .iter()
            .map(|r| r.flap_window_ms)
            .max()
            .unwrap_or(0)
    }
}
