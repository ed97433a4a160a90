//! The `audit_log` table: who did what to what, when. Written with the key changes it records
//! (`keys.rs`), or alone for other actions (an acknowledgement, a rules reload).

use rusqlite::{params, Connection};

use super::side::OrRepo;
use crate::auth::{AuditEntry, AuditRecord};
use crate::shell::RepoError;

/// Names the table in errors.
const WHAT: &str = "audit log";

/// `CREATE … IF NOT EXISTS`, run when the key store opens.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit_log (action, id);
";

/// Appends one entry (inside the caller's transaction, when it has one).
pub(super) fn insert(conn: &Connection, r: &AuditRecord<'_>) -> Result<(), RepoError> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.at_ms, r.actor, r.action, r.target, r.detail],
    )
    .or_repo(WHAT)?;
    Ok(())
}

/// Entries, newest first, optionally of one action, at most `limit`.
pub(super) fn list(
    conn: &Connection,
    action: Option<&str>,
    limit: u32,
) -> Result<Vec<AuditEntry>, RepoError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, at_ms, actor, action, target, detail FROM audit_log \
             WHERE (?1 IS NULL OR action = ?1) ORDER BY id DESC LIMIT ?2",
        )
        .or_repo(WHAT)?;
    let rows = stmt
        .query_map(params![action, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                detail: r.get(5)?,
            })
        })
        .or_repo(WHAT)?;
    rows.collect::<Result<_, _>>().or_repo(WHAT)
}
