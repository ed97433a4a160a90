//! Alerts: rules from `config/alerts.toml` evaluated against observations (raw readings or
//! indicator values), a lifecycle pending → firing → acknowledged → resolved, and history that
//! survives restarts.
//!
//! Files, in the order a reader needs them:
//! - `subject.rs`: [`Subject`], what an alert is about (a sensor, a district, the city).
//! - `rule.rs`: typed rules: [`Rule`], [`Condition`] (threshold, rate, staleness),
//!   [`Levels`] with hysteresis, [`Scope`], [`Severity`].
//! - `config.rs`: [`RuleSet::parse`] / [`RuleSet::load`]; errors name the rule and key.
//! - `alert.rs`: [`Observation`] (the input), [`Alert`], [`AlertEvent`], [`AlertChange`]
//!   (the output), [`AlertFilter`], [`SeverityCounts`].
//! - `eval.rs`: one rule's condition for one subject: the hysteresis latch, rate samples,
//!   staleness.
//! - `engine.rs`: [`Engine`], the pure state machine (no I/O; the clock is an argument).
//! - `repo.rs`: [`AlertRepo`], the `alerts` and `alert_events` tables in the store's SQLite file.
//! - `service.rs`: [`AlertService`], engine + repo behind a mutex, with a change broadcast.
//!
//! - `feed.rs`: what the rules observe: stored readings, and the indicators every few seconds.
//!
//! The HTTP routes live in `serve/routes/alerts.rs`.

mod alert;
mod config;
mod engine;
mod eval;
mod feed;
mod repo;
mod rule;
mod service;
mod settings;
mod subject;

pub use alert::{
    Ack, Alert, AlertChange, AlertDetail, AlertEvent, AlertFilter, AlertState, EventKind,
    Observation, SeverityCounts, StateFilter,
};
pub use config::{RulesError, BUILTIN_RULES};
pub use engine::{AckError, Engine};
pub use feed::{indicator_observations, reading_observations, run_evaluator};
pub use repo::{AlertRepo, RepoError};
pub use rule::{Condition, Direction, Levels, Rule, RuleSet, Scope, Severity};
pub use service::{AlertService, CHANGES_CAPACITY};
pub use settings::AlertSettings;
pub use subject::{Level, Subject};

#[cfg(test)]
mod tests;
