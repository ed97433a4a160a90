//! Keys shared by the nodes of a cluster. Each node publishes its whole key table (ids, roles,
//! scopes, the digests of the secrets, revocations) and adopts what its peers publish, so a key
//! made on any node works on every node, and a key revoked on any node is refused by all. The
//! table is a grow-only set whose revocations are tombstones: adopting is idempotent and its
//! order does not matter, so nodes converge whatever they hear first.

use serde::{Deserialize, Serialize};

use super::repo::{AuditRecord, KeyInfo};
use super::service::{Auth, AuthError};
use super::{Role, Scope};

/// One key as the nodes share it. The secret itself never leaves the node that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    pub id: String,
    pub role: String,
    pub scope: String,
    pub label: String,
    pub created_ms: i64,
    pub created_by: String,
    pub revoked_ms: Option<i64>,
    pub secret_sha256: String,
}

/// What adopting a peer's table changed here.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Adopted {
    pub created: usize,
    pub revoked: usize,
    /// Records refused, each with its reason.
    pub refused: Vec<String>,
}

impl Auth {
    /// Every key of this node, revoked ones included. Blocking (SQLite).
    pub fn key_records(&self) -> Result<Vec<KeyRecord>, AuthError> {
        let repo = self.lock();
        let mut out = Vec::new();
        for info in repo.list()? {
            let Some(stored) = repo.get(&info.id)? else {
                continue;
            };
            out.push(KeyRecord {
                id: info.id,
                role: info.role.as_str().to_owned(),
                scope: info.scope,
                label: info.label,
                created_ms: info.created_ms,
                created_by: info.created_by,
                revoked_ms: info.revoked_ms,
                secret_sha256: stored.secret_sha256,
            });
        }
        Ok(out)
    }

    /// Adopts peer `node`'s table: keys unknown here are added, revocations applied; each
    /// change is audited as done by `peer:{node}`. Blocking (SQLite).
    pub fn adopt(&self, node: &str, records: &[KeyRecord]) -> Result<Adopted, AuthError> {
        let actor = format!("peer:{node}");
        let mut done = Adopted::default();
        for r in records {
            let info = match self.checked(r) {
                Ok(info) => info,
                Err(reason) => {
                    done.refused.push(format!("key {:?}: {reason}", r.id));
                    continue;
                }
            };
            let mut repo = self.lock();
            let known = repo.get(&r.id)?;
            if known.is_none() {
                let detail = format!("role={} scope={} (from {node})", r.role, r.scope);
                let audit = record(r.created_ms, &actor, "key.create", &r.id, &detail);
                repo.insert(&info, &r.secret_sha256, &audit)?;
                done.created += 1;
            }
            let active_here = known.is_none_or(|k| k.info.revoked_ms.is_none());
            if let (Some(at), true) = (r.revoked_ms, active_here) {
                let audit = record(at, &actor, "key.revoke", &r.id, "");
                done.revoked += usize::from(repo.revoke(&r.id, &audit)?);
            }
        }
        if done.created + done.revoked > 0 {
            self.keys_changed();
        }
        Ok(done)
    }

    /// The record as a key of this city, or why not.
    fn checked(&self, r: &KeyRecord) -> Result<KeyInfo, String> {
        let role = Role::parse(&r.role).ok_or_else(|| format!("unknown role {:?}", r.role))?;
        let scope = Scope::parse([r.scope.as_str()]).map_err(|e| e.to_string())?;
        scope.check(self.city()).map_err(|e| e.to_string())?;
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex(&r.id, 12) || !hex(&r.secret_sha256, 64) {
            return Err("not an ioc key (a 12-digit hex id and a SHA-256 digest)".into());
        }
        if r.label.chars().count() > 100 || r.created_by.chars().count() > 200 {
            return Err("label or creator too long".into());
        }
        Ok(KeyInfo {
            id: r.id.clone(),
            role,
            scope: scope.to_string(),
            label: r.label.clone(),
            created_ms: r.created_ms,
            created_by: r.created_by.clone(),
            revoked_ms: None,
        })
    }
}

fn record<'a>(
    at_ms: i64,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    detail: &'a str,
) -> AuditRecord<'a> {
    AuditRecord {
        at_ms,
        actor,
        action,
        target,
        detail,
    }
}
