//! [`Auth`]: turns a presented token into a [`Principal`], and manages keys with an audit
//! trail. Keys live in the store's database file, so `ioc keys create` run beside a live
//! server takes effect at the next request.

use std::sync::{Arc, Mutex, MutexGuard};

use super::repo::{AuditEntry, AuditRecord, KeyInfo, KeyRepo};
use super::{token, JwtVerifier, Principal, Role, Scope, ScopeError};
use crate::model::City;
use crate::shell::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("authentication required: send `Authorization: Bearer <API key or token>`")]
    Missing,
    #[error("the API key is not valid: unknown, revoked or mistyped")]
    BadKey,
    #[error("{0}")]
    BadToken(String),
    #[error("JWT tokens are not accepted here (auth.jwt_algorithm is not set); use an API key")]
    JwtDisabled,
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("{0}")]
    InvalidKey(String),
    #[error(transparent)]
    Storage(#[from] RepoError),
    #[error(transparent)]
    Random(#[from] token::RandomError),
}

/// A key just created: its listing and the full token, shown once.
pub struct Created {
    pub info: KeyInfo,
    pub token: String,
}

pub struct Auth {
    /// The keys and audit log. A std `Mutex`: a repository is one connection, used by one
    /// thread at a time, never across an await.
    repo: Mutex<Box<dyn KeyRepo>>,
    jwt: Option<JwtVerifier>,
    /// An admin token made at start for a loopback server with no keys: (id, digest).
    bootstrap: Option<(String, String)>,
    city: Arc<City>,
    /// Bounds the key-store look-ups running off the executor at once (see
    /// [`Auth::check`]).
    checks: tokio::sync::Semaphore,
    /// See [`Auth::key_changes`].
    changes: tokio::sync::watch::Sender<u64>,
}

/// Look-ups of [`Auth::check`] running at once. The key store is one connection behind one
/// lock, so more would only wait on it.
const CHECKS_AT_ONCE: usize = 2;

impl Auth {
    pub fn new(repo: impl KeyRepo, jwt: Option<JwtVerifier>, city: Arc<City>) -> Auth {
        Auth {
            repo: Mutex::new(Box::new(repo)),
            jwt,
            bootstrap: None,
            city,
            checks: tokio::sync::Semaphore::new(CHECKS_AT_ONCE),
            changes: tokio::sync::watch::Sender::new(0),
        }
    }

    /// True when callers can authenticate other than with a bootstrap token.
    pub fn configured(&self) -> Result<bool, AuthError> {
        Ok(self.jwt.is_some() || self.lock().active_count()? > 0)
    }

    /// Makes a one-run admin token (kept in memory only) and returns it.
    pub fn make_bootstrap_token(&mut self) -> Result<String, AuthError> {
        let key = token::generate()?;
        self.bootstrap = Some((key.id, key.secret_sha256));
        Ok(key.token)
    }

    /// [`Auth::authenticate`] from async code: off the executor, since an API key is looked up
    /// in SQLite, and at most [`CHECKS_AT_ONCE`] at a time, so the thousand WebSocket
    /// heartbeats that fall due together queue for two blocking threads instead of spawning
    /// hundreds that all wait on the key store's lock.
    pub async fn check(self: &Arc<Self>, token: &str) -> Result<Principal, AuthError> {
        let _permit = self
            .checks
            .acquire()
            .await
            .map_err(|e| AuthError::BadToken(format!("the credential check failed: {e}")))?;
        let (auth, token) = (self.clone(), token.to_owned());
        tokio::task::spawn_blocking(move || auth.authenticate(&token))
            .await
            .unwrap_or_else(|e| {
                Err(AuthError::BadToken(format!(
                    "the credential check failed: {e}"
                )))
            })
    }

    /// The caller behind `token` (an API key, a JWT, or the bootstrap token). Blocking: from
    /// async code, use [`Auth::check`].
    pub fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let Some(key) = token::parse(token) else {
            let looks_like_jwt = token.split('.').count() == 3;
            return match &self.jwt {
                Some(jwt) => jwt.verify(token).map_err(AuthError::BadToken),
                None if looks_like_jwt => Err(AuthError::JwtDisabled),
                None => Err(AuthError::BadKey),
            };
        };
        let digest = token::sha256_hex(key.secret);
        if let Some((id, stored)) = &self.bootstrap {
            if id == key.id && token::digest_eq(&digest, stored) {
                return Ok(Principal {
                    id: "bootstrap".into(),
                    role: Role::Admin,
                    scope: Scope::default(),
                });
            }
        }
        let stored = self.lock().get(key.id)?.ok_or(AuthError::BadKey)?;
        if stored.info.revoked_ms.is_some() || !token::digest_eq(&digest, &stored.secret_sha256) {
            return Err(AuthError::BadKey);
        }
        Principal::new(
            format!("key:{}", stored.info.id),
            stored.info.role,
            stored.scope,
        )
        .map_err(AuthError::InvalidKey)
    }

    /// Creates a key; `actor` is who asked (a principal id, or `cli`).
    pub fn create_key(
        &self,
        actor: &str,
        role: Role,
        scope: &[&str],
        label: &str,
        now_ms: i64,
    ) -> Result<Created, AuthError> {
        let scope = Scope::parse(scope.iter().copied())?;
        scope.check(&self.city)?;
        let label = label.trim();
        if label.chars().count() > 100 {
            return Err(AuthError::InvalidKey(
                "label longer than 100 characters".into(),
            ));
        }
        if let Some(c) = crate::model::forbidden_char(label, &[]) {
            return Err(AuthError::InvalidKey(format!(
                "label holds the control or text-direction character {}; use plain text",
                crate::model::char_name(c)
            )));
        }
        Principal::new(String::new(), role, scope.clone()).map_err(AuthError::InvalidKey)?;
        let key = token::generate()?;
        let info = KeyInfo {
            id: key.id.clone(),
            role,
            scope: scope.to_string(),
            label: label.to_owned(),
            created_ms: now_ms,
            created_by: actor.to_owned(),
            revoked_ms: None,
        };
        let detail = format!("role={role} scope={scope} label={label:?}");
        self.lock().insert(
            &info,
            &key.secret_sha256,
            &AuditRecord {
                at_ms: now_ms,
                actor,
                action: "key.create",
                target: &key.id,
                detail: &detail,
            },
        )?;
        self.keys_changed();
        Ok(Created {
            info,
            token: key.token,
        })
    }

    /// Revokes a key; `false` if no active key has that id.
    pub fn revoke_key(&self, actor: &str, id: &str, now_ms: i64) -> Result<bool, AuthError> {
        let revoked = self.lock().revoke(
            id,
            &AuditRecord {
                at_ms: now_ms,
                actor,
                action: "key.revoke",
                target: id,
                detail: "",
            },
        )?;
        if revoked {
            self.keys_changed();
        }
        Ok(revoked)
    }

    pub fn list_keys(&self) -> Result<Vec<KeyInfo>, AuthError> {
        Ok(self.lock().list()?)
    }

    /// Records an action in the audit log.
    pub fn audit(&self, record: &AuditRecord<'_>) -> Result<(), AuthError> {
        Ok(self.lock().audit(record)?)
    }

    pub fn audit_log(
        &self,
        action: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AuthError> {
        Ok(self.lock().audit_log(action, limit)?)
    }

    /// Bumped whenever this node's keys change (made, revoked or adopted from a peer), so the
    /// cluster link republishes the table.
    pub fn key_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub(super) fn keys_changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    pub(super) fn city(&self) -> &City {
        &self.city
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Box<dyn KeyRepo>> {
        // A poisoned lock still holds a usable connection: every write is one transaction.
        crate::shell::lock::lock(&self.repo)
    }
}
