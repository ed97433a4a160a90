//! Alerts between replicas: the primary of a territory (the nodes owning the same districts)
//! publishes every change it decides on `{alerts_topic}/changes`, and its current alerts,
//! retained, on `{alerts_topic}/current/{node_id}`, from which a follower catches up when it
//! connects or follows a new primary; a follower publishes the acknowledgements made on it on
//! the changes topic for the primary to make. Pure: the messages and their checks.

use serde::{Deserialize, Serialize};

use super::origin::{check, OriginError};
use crate::alerts::{Alert, AlertChange, ForwardedAck};

/// A change batch or a forwarded acknowledgement, on `{alerts_topic}/changes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertMessage {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    /// The sender's districts, sorted; empty for the whole city.
    pub territory: Vec<String>,
    #[serde(default)]
    pub changes: Vec<AlertChange>,
    #[serde(default)]
    pub ack: Option<ForwardedAck>,
}

/// A primary's current alerts, retained on `{alerts_topic}/current/{node_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTable {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub territory: Vec<String>,
    pub generated_at: i64,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertMessageError {
    #[error("not an alert message: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Origin(#[from] OriginError),
}

/// What arrived, if it is for this node: from its cluster, from another node, about its
/// territory. `Ok(None)`: not for this node.
pub fn parse<T: serde::de::DeserializeOwned + Envelope>(
    payload: &[u8],
    cluster: &str,
    me: &str,
    territory: &[String],
) -> Result<Option<T>, AlertMessageError> {
    let m: T = serde_json::from_slice(payload)?;
    let (v, from_cluster, node, theirs) = m.envelope();
    check(v, from_cluster, cluster)?;
    Ok((node != me && theirs == territory).then_some(m))
}

/// The fields every alert message carries.
pub trait Envelope {
    fn envelope(&self) -> (u32, &str, &str, &[String]);
}

impl Envelope for AlertMessage {
    fn envelope(&self) -> (u32, &str, &str, &[String]) {
        (self.v, &self.cluster, &self.node_id, &self.territory)
    }
}

impl Envelope for AlertTable {
    fn envelope(&self) -> (u32, &str, &str, &[String]) {
        (self.v, &self.cluster, &self.node_id, &self.territory)
    }
}
