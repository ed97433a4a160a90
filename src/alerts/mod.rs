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
//! - `repo.rs`: [`AlertRepo`], what the service needs from storage (the store implements it:
//!   `store::SqliteAlerts`).
//! - `recorder.rs`: the one thread that does the service's database work, in the engine's order.
//! - `service.rs`: [`AlertService`], the engine behind a mutex (CPU work only), the recorder,
//!   and a change broadcast.
//! - `replica.rs`: in a cluster, whether this node decides alerts (the primary of its
//!   districts) or follows the one that does, adopting its changes.
//!
//! - `feed.rs`: what the rules observe: stored readings, and the indicators every few seconds.
//!
//! The HTTP routes live in `serve/routes/alerts.rs`.

mod alert;
mod config;
mod engine;
mod eval;
mod feed;
mod recorder;
mod replica;
mod repo;
mod rule;
mod service;
mod settings;
mod subject;

pub use alert::{
    Ack, Alert, AlertChange, AlertDetail, AlertEvent, AlertFilter, AlertState, EventKind,
    Notification, Observation, SeverityCounts, StateFilter,
};
pub use config::{RulesError, BUILTIN_RULES};
pub use engine::{AckError, Engine};
pub use feed::{
    area_observations, indicator_observations, reading_observations, run_evaluator, ObservedNames,
};
pub use replica::ForwardedAck;
pub use repo::AlertRepo;
pub use rule::{Condition, Direction, Levels, Rule, RuleSet, Scope, Severity};
pub use service::{AlertService, CHANGES_CAPACITY};
pub use settings::AlertSettings;
pub use subject::{Level, Subject};

/// Shared with the service's tests on SQLite (`store/sqlite/alert_service_tests.rs`).
#[cfg(test)]
pub(crate) mod tests;
