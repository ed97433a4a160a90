//! [`AlertRepo`]: what the alert service needs from storage. The store implements it
//! (`store::SqliteAlerts`, the `alerts` and `alert_events` tables of its database file); the
//! service only ever calls it from its own recorder thread or at startup, never on the async
//! executor.

use super::{Alert, AlertChange, AlertDetail, AlertFilter};
use crate::shell::RepoError;

/// The alerts and their history. Not `Sync`: one thread uses it at a time.
pub trait AlertRepo: Send + 'static {
    /// Records changes in one transaction: the alert row as it now is, plus its event; a
    /// dropped pending alert is deleted with its events instead. Refuses a second open alert
    /// for the same rule and subject. With `notify` (this node decided them), the changes
    /// people are told of are also enqueued for notification in the same transaction.
    fn apply(&mut self, changes: &[AlertChange], notify: bool) -> Result<(), RepoError>;

    /// What the engine resumes from: every open alert, and for each (rule, subject) the latest
    /// alert resolved at or after `resolved_since_ms` (for flap detection).
    fn load_current(&self, resolved_since_ms: i64) -> Result<Vec<Alert>, RepoError>;

    /// One past the greatest alert id ever stored.
    fn next_id(&self) -> Result<i64, RepoError>;

    /// Alerts matching `filter`, newest first by id (which never changes, so pages are stable
    /// while alerts change state), below `filter.before_id` when set.
    fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError>;

    /// One alert with its history, oldest event first; `None` for an unknown id.
    fn get(&self, id: i64) -> Result<Option<AlertDetail>, RepoError>;
}
