//! What the access-control service needs from storage: [`KeyRepo`] (API keys, stored hashed)
//! and [`AuditLog`]. The store implements both (`store::SqliteKeys`, the `api_keys` and
//! `audit_log` tables of its database file); a key change and its audit entry commit together.

use serde::Serialize;

use super::{Role, Scope};
use crate::shell::RepoError;

/// A key as listed: everything but its secret, which is never stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyInfo {
    pub id: String,
    pub role: Role,
    /// Text form, empty for the whole city.
    pub scope: String,
    pub label: String,
    pub created_ms: i64,
    pub created_by: String,
    pub revoked_ms: Option<i64>,
}

/// A key row with the digest of its secret, for verification only.
pub struct StoredKey {
    pub info: KeyInfo,
    pub scope: Scope,
    pub secret_sha256: String,
}

/// One audit entry: who did what to what, when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// What to record; the repository assigns the id.
pub struct AuditRecord<'a> {
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
}

/// The audit log: who did what to what, when.
pub trait AuditLog: Send + 'static {
    /// Appends one entry.
    fn audit(&mut self, record: &AuditRecord<'_>) -> Result<(), RepoError>;

    /// Entries, newest first, optionally of one action, at most `limit`.
    fn audit_log(&self, action: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, RepoError>;
}

/// API keys; every change is recorded in the [`AuditLog`] in the same transaction. Not `Sync`:
/// [`super::Auth`] keeps it behind a mutex.
pub trait KeyRepo: AuditLog {
    /// Stores a new key and its audit entry in one transaction.
    fn insert(
        &mut self,
        info: &KeyInfo,
        secret_sha256: &str,
        audit: &AuditRecord<'_>,
    ) -> Result<(), RepoError>;

    /// Marks a key revoked, with its audit entry; `false` if there is no such active key.
    fn revoke(&mut self, id: &str, audit: &AuditRecord<'_>) -> Result<bool, RepoError>;

    /// One key with the digest of its secret; `None` for an unknown id.
    fn get(&self, id: &str) -> Result<Option<StoredKey>, RepoError>;

    /// Every key, newest first, revoked ones included.
    fn list(&self) -> Result<Vec<KeyInfo>, RepoError>;

    /// How many keys are not revoked.
    fn active_count(&self) -> Result<u64, RepoError>;
}
