//! Incidents: what people work on until it is resolved. An incident opens from an alert, an
//! event or by hand; it walks its category's standard operating procedure (a checklist), is
//! assigned to a department, and moves `new → assigned → in_progress → resolved → closed` (or
//! `cancelled`). Every change is one timeline entry, stored with the incident in one
//! transaction, enqueued for notification (`incident.*`) and pushed on the `incidents` stream.
//!
//! Files, in the order a reader needs them:
//! - `incident.rs`: [`Incident`], [`Status`], [`ChecklistItem`], [`Entry`] (the timeline).
//! - `procedures.rs`: [`Procedures`], the categories with their steps and service levels, and
//!   the departments (`config/procedures.toml`).
//! - `lifecycle.rs`: the pure rules: opening, assigning, moving status, ticking steps,
//!   service-level breaches.
//! - `repo.rs`: [`IncidentRepo`], what the service needs from storage.
//! - `service.rs`: [`IncidentService`], one action at a time over the repository, and the
//!   change broadcast.
//! - `replica.rs`: in a cluster, the node deciding alerts decides incidents; a follower
//!   forwards its actions and adopts the changes.
//! - `handover.rs`: the shift handover and the per-district breach counts.
//!
//! Cost: an action reads and writes one incident (a few rows); the SLA watch reads the open
//! incidents once a `incidents.sla_check_s`; nothing here runs per reading or per tick.

mod error;
mod handover;
mod incident;
pub(crate) mod lifecycle;
mod procedures;
mod replica;
mod repo;
mod service;
mod settings;

pub use error::IncidentError;
pub use handover::{breach_counts, Done, Handover};
pub use incident::{
    Change, ChecklistItem, Entry, EntryKind, Incident, IncidentFilter, Sla, Status,
};
pub use lifecycle::{Action, NewIncident};
pub use procedures::{
    Category, Department, Procedures, ProceduresError, Step, BUILTIN_PROCEDURES, OTHER,
};
pub use replica::{Forward, Forwarded, Reply, CURRENT_MAX};
pub use repo::{IncidentRepo, Link};
pub use service::{IncidentService, CHANGES_CAPACITY, MAX_OPEN};
pub use settings::IncidentSettings;

/// The signal of the SLA alert rule: per district, the open incidents past a service level.
pub const SLA_SIGNAL: &str = "incident_sla_breaches";

/// The notification event of a timeline entry: `incident.opened`, `incident.assigned`,
/// `incident.{status}` (e.g. `incident.resolved`), `incident.commented`, `incident.step`,
/// `incident.linked`, `incident.sla_breached`.
pub fn event_of(entry: &Entry, incident: &Incident) -> String {
    match entry.kind {
        EntryKind::Opened => "incident.opened".into(),
        EntryKind::Assigned => "incident.assigned".into(),
        EntryKind::Status => format!("incident.{}", incident.status.as_str()),
        EntryKind::Comment => "incident.commented".into(),
        EntryKind::Checklist => "incident.step".into(),
        EntryKind::Linked => "incident.linked".into(),
        EntryKind::SlaBreached => "incident.sla_breached".into(),
    }
}

/// Every event [`event_of`] may name (what a notification route may list).
pub const EVENTS: [&str; 10] = [
    "incident.opened",
    "incident.assigned",
    "incident.in_progress",
    "incident.resolved",
    "incident.closed",
    "incident.cancelled",
    "incident.commented",
    "incident.step",
    "incident.linked",
    "incident.sla_breached",
];

#[cfg(test)]
mod tests;
