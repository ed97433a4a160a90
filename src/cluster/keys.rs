//! The key table a node shares with its cluster, retained on `{keys_topic}/{node_id}`: every
//! key it holds, with the digest of its secret and its revocation (`auth::KeyRecord`). Peers
//! adopt it (`Auth::adopt`), so a key made or revoked on one node holds on all, including a
//! node that was down at the time: it reads the retained tables when it connects.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::origin::{check, OriginError, VERSION};
use crate::auth::{Adopted, Auth, AuthError, KeyRecord};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTable {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub keys: Vec<KeyRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyTableError {
    #[error("not a key table: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Origin(#[from] OriginError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("the key store task failed: {0}")]
    Task(String),
}

pub fn parse(payload: &[u8], cluster: &str) -> Result<KeyTable, KeyTableError> {
    let t: KeyTable = serde_json::from_slice(payload)?;
    check(t.v, &t.cluster, cluster)?;
    Ok(t)
}

/// This node's table, read off the executor.
pub async fn table(
    auth: &Arc<Auth>,
    cluster: &str,
    node_id: &str,
) -> Result<KeyTable, KeyTableError> {
    let a = auth.clone();
    let keys = tokio::task::spawn_blocking(move || a.key_records())
        .await
        .map_err(|e| KeyTableError::Task(e.to_string()))??;
    Ok(KeyTable {
        v: VERSION,
        cluster: cluster.to_owned(),
        node_id: node_id.to_owned(),
        keys,
    })
}

/// Adopts a peer's table, off the executor.
pub async fn adopt(auth: &Arc<Auth>, t: KeyTable) -> Result<Adopted, KeyTableError> {
    let a = auth.clone();
    tokio::task::spawn_blocking(move || a.adopt(&t.node_id, &t.keys))
        .await
        .map_err(|e| KeyTableError::Task(e.to_string()))?
        .map_err(KeyTableError::from)
}
