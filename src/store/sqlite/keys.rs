//! The `api_keys` table (key digests, never secrets) through a connection of its own, as the
//! alerts have. Small and written rarely; a key change and its audit entry (`audit.rs`) commit
//! together.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::audit;
use super::side::{self, OrRepo};
use crate::auth::{AuditEntry, AuditLog, AuditRecord, KeyInfo, KeyRepo, Role, Scope, StoredKey};
use crate::shell::RepoError;

/// Names the table in errors.
const WHAT: &str = "key store";

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
";

/// [`KeyRepo`] and [`AuditLog`] on SQLite.
pub struct SqliteKeys {
    conn: Connection,
}

impl SqliteKeys {
    /// Opens (creating if needed) the key and audit tables in the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteKeys, RepoError> {
        let conn = side::open(path, &format!("{SCHEMA}{}", audit::SCHEMA), WHAT)?;
        Ok(SqliteKeys { conn })
    }
}

impl AuditLog for SqliteKeys {
    fn audit(&mut self, record: &AuditRecord<'_>) -> Result<(), RepoError> {
        audit::insert(&self.conn, record)
    }

    fn audit_log(&self, action: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, RepoError> {
        audit::list(&self.conn, action, limit)
    }
}

impl KeyRepo for SqliteKeys {
    fn insert(
        &mut self,
        info: &KeyInfo,
        secret_sha256: &str,
        audit: &AuditRecord<'_>,
    ) -> Result<(), RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
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
        )
        .or_repo(WHAT)?;
        audit::insert(&tx, audit)?;
        tx.commit().or_repo(WHAT)
    }

    fn revoke(&mut self, id: &str, audit: &AuditRecord<'_>) -> Result<bool, RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
        let n = tx
            .execute(
                "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                params![id, audit.at_ms],
            )
            .or_repo(WHAT)?;
        if n == 1 {
            audit::insert(&tx, audit)?;
        }
        tx.commit().or_repo(WHAT)?;
        Ok(n == 1)
    }

    fn get(&self, id: &str) -> Result<Option<StoredKey>, RepoError> {
        self.conn
            .query_row(
                "SELECT id, role, scope, label, created_ms, created_by, revoked_ms, secret_sha256 \
                 FROM api_keys WHERE id = ?1",
                [id],
                |row| Ok((read_info(row), row.get::<_, String>(7)?)),
            )
            .optional()
            .or_repo(WHAT)?
            .map(|(info, secret_sha256)| {
                let info = info?;
                let scope =
                    Scope::parse([info.scope.as_str()]).map_err(|e| RepoError::Corrupt {
                        what: WHAT,
                        detail: format!("key {}: {e}", info.id),
                    })?;
                Ok(StoredKey {
                    info,
                    scope,
                    secret_sha256,
                })
            })
            .transpose()
    }

    fn list(&self) -> Result<Vec<KeyInfo>, RepoError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, role, scope, label, created_ms, created_by, revoked_ms \
                 FROM api_keys ORDER BY created_ms DESC, id",
            )
            .or_repo(WHAT)?;
        let rows = stmt.query_map([], |row| Ok(read_info(row))).or_repo(WHAT)?;
        rows.map(|r| r.or_repo(WHAT)?).collect()
    }

    fn active_count(&self) -> Result<u64, RepoError> {
        let n = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM api_keys WHERE revoked_ms IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .or_repo(WHAT)?;
        Ok(n as u64)
    }
}

/// One `api_keys` row but its digest; an unknown role is reported, not guessed.
fn read_info(row: &Row<'_>) -> Result<KeyInfo, RepoError> {
    let role: String = row.get(1).or_repo(WHAT)?;
    Ok(KeyInfo {
        id: row.get(0).or_repo(WHAT)?,
        role: Role::parse(&role).ok_or_else(|| RepoError::Corrupt {
            what: WHAT,
            detail: format!("api_keys.role = {role:?}"),
        })?,
        scope: row.get(2).or_repo(WHAT)?,
        label: row.get(3).or_repo(WHAT)?,
        created_ms: row.get(4).or_repo(WHAT)?,
        created_by: row.get(5).or_repo(WHAT)?,
        revoked_ms: row.get(6).or_repo(WHAT)?,
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
        let mut repo = SqliteKeys::open(&dir.path().join("ioc.db")).expect("key store");
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
