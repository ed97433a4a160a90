//! Notifications: the alert and incident changes people are told of, delivered from a durable
//! outbox to each channel configured: a signed webhook, email, and short messages through a
//! provider's API (Telegram, Zalo, SMS: `messaging.rs`), with quiet hours (`quiet.rs`).
//!
//! ```text
//! alert recorder ──(same transaction)──► notify_outbox ──► notifier (deliver.rs) ──► webhook
//! (this node's decisions only)           (store)            signed POST, capped backoff
//! ```
//!
//! An alert still firing unacknowledged `notify.escalate_after_s` after it fired is told again
//! as `alert.escalated` (`escalate.rs`).
//!
//! Each change (`alert.firing`, `alert.acknowledged`, `alert.resolved`) is enqueued in the
//! transaction that stores it, so a change that is stored is delivered: across a restart and a
//! receiver outage, retried with capped backoff, marked delivered on a 2xx. Its `id` is stable,
//! so a delivery repeated after a crash between the POST and its mark (or after a fail-over
//! to another node's decider) can be told apart by the receiver. Only the node that decides
//! alerts enqueues and sends (docs/scaling.md).

mod deliver;
mod email;
pub mod escalate;
mod messaging;
mod quiet;
mod routes;
mod settings;
mod sign;
mod transport;

pub use deliver::{run_notifier, Alerts, Notifier};
pub use email::{render, Email};
pub use messaging::{Messaging, MessagingSettings};
pub use quiet::{parse_window, Quiet};
pub use routes::{Facts, Route, Routes, EVENTS};
pub use settings::NotifySettings;
pub use sign::{sign, signature_header};
pub use transport::{Transport, Webhook};

use crate::shell::RepoError;

/// One delivery waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Unique per event: the receiver's key to tell a repeat.
    pub id: String,
    /// `alert.firing`, `alert.acknowledged` or `alert.resolved`.
    pub event: String,
    /// The alert as it was at the change, JSON.
    pub object: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// One channel's outbox, as its notifier drains it. Blocking: call it off the async executor.
pub trait NotifyRepo: Send + 'static {
    /// Up to `limit` deliveries due at `now_ms`, oldest first; when `only` names severities,
    /// only deliveries of alerts or incidents of those (quiet hours), the others skipped.
    fn due(&self, now_ms: i64, limit: usize, only: &[&str]) -> Result<Vec<Queued>, RepoError>;
    /// Marks `id` delivered: it is never sent again.
    fn delivered(&mut self, id: &str, at_ms: i64) -> Result<(), RepoError>;
    /// Records a failed attempt of `id` and when to try again.
    fn failed(&mut self, id: &str, next_ms: i64, error: &str) -> Result<(), RepoError>;
    /// Deliveries not yet made.
    fn waiting(&self) -> Result<u64, RepoError>;
    /// Enqueues a delivery of `event` about alert `alert_id` (`object`, JSON) under `id`,
    /// unless one with that id exists; true when it was new.
    fn enqueue(
        &mut self,
        id: &str,
        event: &str,
        alert_id: i64,
        object: &str,
        at_ms: i64,
    ) -> Result<bool, RepoError>;
    /// Forgets deliveries made before `before_ms`; returns how many.
    fn prune(&mut self, before_ms: i64) -> Result<usize, RepoError>;
}

#[cfg(test)]
mod tests;
