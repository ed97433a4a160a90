//! [`RuleReloader`]: an admin's `POST /api/v1/admin/reload` re-reads the alert rules and
//! records it in the audit log. A file that does not parse is refused with its error and the
//! running rules stay.

use std::sync::Arc;

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

    /// Reloads as `actor`. Blocking (it reads a file and writes SQLite): call it through
    /// `blocking`.
    pub fn reload(&self, actor: &str) -> Result<Reloaded, ApiError> {
        let path = self.path.trim();
        let rules = match path {
            "" => RuleSet::builtin(),
            p => RuleSet::load(std::path::Path::new(p)),
        }
        .map_err(|e| {
            ApiError::InvalidConfig(format!("{e} (alerts.rules_path); the running rules stay"))
        })?;
        let now = now_ms();
        let changes = self
            .alerts
            .reload_rules(rules, now)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let count = self.alerts.rule_count();
        let detail = format!("rules={count} resolved={}", changes.len());
        self.auth
            .audit(&AuditRecord {
                at_ms: now,
                actor,
                action: "config.reload",
                target: if path.is_empty() { "builtin" } else { path },
                detail: &detail,
            })
            .map_err(ApiError::from_auth)?;
        Ok(Reloaded {
            rules: count,
            changes: changes.len(),
        })
    }
}
