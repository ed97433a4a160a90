//! Rule reloads across the cluster: when an operator reloads the alert rules on one node
//! (`POST /api/v1/admin/reload`), it says so on `{alerts_topic}/reload`, and every other node
//! re-reads its own `alerts.rules_path`, audited as done by `peer:{node}`. A node that was
//! down reads its file when it starts, so nothing needs replaying.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::origin::check;
use crate::alerts::{AlertService, RuleSet};
use crate::auth::{AuditRecord, Auth};
use crate::shell::now_ms;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReloadMessage {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub at_ms: i64,
}

/// A peer's reload, if it is one for this node: from its cluster, from another node.
pub fn parse(payload: &[u8], cluster: &str, me: &str) -> Result<Option<ReloadMessage>, String> {
    let m: ReloadMessage = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    check(m.v, &m.cluster, cluster).map_err(|e| e.to_string())?;
    Ok((m.node_id != me).then_some(m))
}

/// What a node needs to reload its rules as a peer asked.
#[derive(Clone)]
pub struct Reloader {
    pub alerts: Arc<AlertService>,
    pub auth: Arc<Auth>,
    /// `alerts.rules_path`; empty: the built-in rules.
    pub path: String,
}

impl Reloader {
    /// Re-reads this node's rules (off the executor) and runs them; a file that does not parse
    /// leaves the running rules and is logged.
    pub async fn reload(&self, peer: &str) {
        let path = self.path.trim().to_owned();
        let file = path.clone();
        let read = tokio::task::spawn_blocking(move || match file.as_str() {
            "" => RuleSet::builtin(),
            p => RuleSet::load(std::path::Path::new(p)),
        })
        .await;
        let rules = match read {
            Ok(Ok(rules)) => rules,
            Ok(Err(e)) => {
                tracing::warn!(%peer, error = %e, "a peer reloaded its rules; this node's file does not parse, the running rules stay");
                return;
            }
            Err(e) => {
                tracing::warn!(%peer, error = %e, "rule reload task failed");
                return;
            }
        };
        let now = now_ms();
        let changes = match self.alerts.reload_rules(rules, now).await {
            Ok(c) => c.len(),
            Err(e) => {
                tracing::warn!(%peer, error = %e, "rules not reloaded");
                return;
            }
        };
        let (auth, actor) = (self.auth.clone(), format!("peer:{peer}"));
        let detail = format!("rules={} resolved={changes}", self.alerts.rule_count());
        let target = if path.is_empty() {
            "builtin".to_owned()
        } else {
            path
        };
        let audited = tokio::task::spawn_blocking(move || {
            auth.audit(&AuditRecord {
                at_ms: now,
                actor: &actor,
                action: "config.reload",
                target: &target,
                detail: &detail,
            })
        })
        .await;
        if !matches!(audited, Ok(Ok(()))) {
            tracing::warn!(%peer, "the reload's audit entry was not written");
        }
        tracing::info!(%peer, "alert rules reloaded as a peer did");
    }
}
