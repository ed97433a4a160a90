//! API keys and the audit log in SQLite: the `api_keys` and `audit_log` tables in the main
//! store's database file, through a connection of our own (as the alerts do). Both are small
//! and written rarely; a key change and its audit entry commit together.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{Role, Scope};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    label TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_ms INTEGER
);
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

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("cannot open the key store {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("key store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("key store holds a row it cannot read: {0}")]
    Corrupt(String),
}

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

pub struct KeyRepo {
    conn: Connection,
}

impl KeyRepo {
    /// Opens (creating if needed) the key and audit tables in the database at `path`.
    pub fn open(path: &Path) -> Result<KeyRepo, RepoError> {
        let conn =
            crate::store::open_side_connection(path, SCHEMA).map_err(|cause| RepoError::Open {
                path: path.to_owned(),
                cause,
            })?;
        Ok(KeyRepo { conn })
    }

    /// Stores a new key and its audit entry in one transaction.
    pub fn insert(
        &mut self,
        info: &KeyInfo,
        secret_sha256: &str,
        audit: &AuditRecord<'_>,
    ) -> Result<(), RepoError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO api_keys (id, secret_sha256, role, scope, label, created_ms, created_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                info.id,
                secret_sha256,
                info.role.as_str(),
                info.scope,
                info.label,
                info.created_ms,
                info.created_by
            ],
        )?;
        insert_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Marks a key revoked; `false` if there is no such active key.
    pub fn revoke(&mut self, id: &str, audit: &AuditRecord<'_>) -> Result<bool, RepoError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
            params![id, audit.at_ms],
        )?;
        if n == 1 {
            insert_audit(&tx, audit)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredKey>, RepoError> {
        self.conn
            .query_row(
                "SELECT id, role, scope, label, created_ms, created_by, revoked_ms, secret_sha256 \
                 FROM api_keys WHERE id = ?1",
                [id],
                |row| Ok((read_info(row), row.get::<_, String>(7)?)),
            )
            .optional()?
            .map(|(info, secret_sha256)| {
                let info = info?;
                let scope = Scope::parse([info.scope.as_str()])
                    .map_err(|e| RepoError::Corrupt(format!("key {}: {e}", info.id)))?;
                Ok(StoredKey {
                    info,
                    scope,
                    secret_sha256,
                })
            })
            .transpose()
    }

    /// Every key, newest first, revoked ones included.
    pub fn list(&self) -> Result<Vec<KeyInfo>, RepoError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, role, scope, label, created_ms, created_by, revoked_ms \
             FROM api_keys ORDER BY created_ms DESC, id",
        )?;
        let rows = stmt.query_map([], |row| Ok(read_info(row)))?;
        rows.map(|r| r?).collect()
    }

    pub fn active_count(&self) -> Result<u64, RepoError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM api_keys WHERE revoked_ms IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    pub fn audit(&mut self, record: &AuditRecord<'_>) -> Result<(), RepoError> {
        insert_audit(&self.conn, record)
    }

    /// Audit entries, newest first, optionally of one action, at most `limit`.
    pub fn audit_log(
        &self,
        action: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, RepoError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at_ms, actor, action, target, detail FROM audit_log \
             WHERE (?1 IS NULL OR action = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![action, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn insert_audit(conn: &Connection, r: &AuditRecord<'_>) -> Result<(), RepoError> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.at_ms, r.actor, r.action, r.target, r.detail],
    )?;
    Ok(())
}

fn read_info(row: &Row<'_>) -> Result<KeyInfo, RepoError> {
    let role: String = row.get(1)?;
    Ok(KeyInfo {
        id: row.get(0)?,
        role: Role::parse(&role).ok_or_else(|| RepoError::Corrupt(format!("role {role:?}")))?,
        scope: row.get(2)?,
        label: row.get(3)?,
        created_ms: row.get(4)?,
        created_by: row.get(5)?,
        revoked_ms: row.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(action: &'a str, target: &'a str) -> AuditRecord<'a> {
        AuditRecord {
            at_ms: 1,
            actor: "cli",
            action,
            target,
            detail: "",
        }
    }

    #[test]
    fn keys_and_audit_round_trip() {
        let dir = tempfile::tempdir().expect("key store");
        let mut repo = KeyRepo::open(&dir.path().join("ioc.db")).expect("key store");
        let info = KeyInfo {
            id: "0123456789ab".into(),
            role: Role::Department,
            scope: "domain:traffic".into(),
            label: "transport dept".into(),
            created_ms: 1,
            created_by: "cli".into(),
            revoked_ms: None,
        };
        repo.insert(&info, "digest", &record("key.create", &info.id))
            .expect("key store");
        let stored = repo.get(&info.id).expect("key store").expect("key store");
        assert_eq!(stored.info, info);
        assert!(stored.scope.allows_domain("traffic") && !stored.scope.allows_domain("queue"));
        assert_eq!(repo.active_count().expect("key store"), 1);
        assert!(repo
            .revoke(&info.id, &record("key.revoke", &info.id))
            .expect("key store"));
        assert!(!repo
            .revoke(&info.id, &record("key.revoke", &info.id))
            .expect("key store"));
        assert_eq!(repo.active_count().expect("key store"), 0);
        let log = repo.audit_log(None, 10).expect("key store");
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["key.revoke", "key.create"]
        );
        assert_eq!(
            repo.audit_log(Some("key.create"), 10)
                .expect("key store")
                .len(),
            1
        );
    }
}
