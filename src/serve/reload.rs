//! [`RuleReloader`]: an admin's `POST /api/v1/admin/reload` re-reads the alert rules and
//! records it in the audit log. A file that does not parse is refused with its error and the
//! running rules stay. In a cluster the other nodes then reload theirs (`cluster/reload.rs`).

use std::sync::Arc;

use super::blocking::blocking;
use super::error::ApiError;
use crate::alerts::{AlertService, RuleSet};
use crate::auth::{AuditRecord, Auth};
use crate::shell::now_ms;

pub struct RuleReloader {
    alerts: Arc<AlertService>,
    auth: Arc<Auth>,
    /// Where the rules are read from (`alerts.rules_path`; empty: the built-in rules).
    path: String,
}

/// What a reload did: the rules now running, and the alerts it resolved or changed.
pub struct Reloaded {
    pub rules: usize,
    pub changes: usize,
}

impl RuleReloader {
    pub fn new(alerts: Arc<AlertService>, auth: Arc<Auth>, path: String) -> RuleReloader {
        RuleReloader { alerts, auth, path }
    }

    /// Reloads as `actor`: the file is read and the audit entry written off the executor;
    /// the alert service stores its changes on its own thread.
    pub async fn reload(self: Arc<Self>, actor: String) -> Result<Reloaded, ApiError> {
        let path = self.path.trim().to_owned();
        let file = path.clone();
        let rules = blocking(move || {
            match file.as_str() {
                "" => RuleSet::builtin(),
                p => RuleSet::load(std::path::Path::new(p)),
            }
            .map_err(|e| {
                ApiError::InvalidConfig(format!("{e} (alerts.rules_path); the running rules stay"))
            })
        })
        .await?;
        let now = now_ms();
        let changes = self
            .alerts
            .reload_rules(rules, now)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let count = self.alerts.rule_count();
        let detail = format!("rules={count} resolved={}", changes.len());
        let auth = self.auth.clone();
        blocking(move || {
            auth.audit(&AuditRecord {
                at_ms: now,
                actor: &actor,
                action: "config.reload",
                target: if path.is_empty() { "builtin" } else { &path },
                detail: &detail,
            })
            .map_err(ApiError::from_auth)
        })
        .await?;
        self.alerts.announce_reload();
        Ok(Reloaded {
            rules: count,
            changes: changes.len(),
        })
    }
}
