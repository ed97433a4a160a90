//! [`IncidentRepo`]: what the incident service needs from storage. The store implements it
//! (`store::SqliteIncidents`, the `incidents` and `incident_log` tables of its database file).
//! Blocking: the service calls it from blocking threads only.

use super::incident::{Entry, Incident, IncidentFilter};
use crate::shell::RepoError;

/// What an incident is opened from or linked to, kept so one alert or event belongs to one
/// incident at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    #[default]
    None,
    Alert(i64),
    Event(String),
}

/// The incidents, their timelines and what they link. Not `Sync`: one thread at a time.
pub trait IncidentRepo: Send + 'static {
    /// Stores a new incident (its `id` is ignored) with its first entry and `link`, in one
    /// transaction; returns its id.
    fn create(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<i64, RepoError>;
    /// Stores `inc` as it now is, with the entry of the change and `link`, in one transaction.
    fn update(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<(), RepoError>;
    /// One incident with its timeline, oldest entry first.
    fn get(&self, id: i64) -> Result<Option<Incident>, RepoError>;
    /// Incidents matching `filter`, newest (highest id) first, without timelines.
    fn list(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, RepoError>;
    /// The incident `link` already belongs to.
    fn linked_to(&self, link: &Link) -> Result<Option<i64>, RepoError>;
    /// Timeline entries recorded at or after `since_ms`, oldest first, with their incident
    /// ids; at most `limit`.
    fn log_since(&self, since_ms: i64, limit: usize) -> Result<Vec<(i64, Entry)>, RepoError>;
    /// Takes a change the deciding node made (a replica): the row as given (same id), its
    /// entry once (a repeat is ignored) and its link; nothing is enqueued for notification.
    fn adopt(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<(), RepoError>;
    /// Takes an incident whole, its timeline replacing the one stored (catching up).
    fn replace(&mut self, inc: &Incident) -> Result<(), RepoError>;
}
