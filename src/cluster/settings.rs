//! `[cluster]`: which deployment this node belongs to, its own id, and the districts it owns.
//! Every key is documented with its default in `config/default.toml`.

use serde::Deserialize;

use crate::model::City;
use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// The deployment's name, shared by all its nodes; empty: this node runs alone.
    pub name: String,
    /// This node's id, unique in the deployment and stable across restarts.
    pub node_id: String,
    /// The districts this node owns; empty: a replica of the whole city.
    pub districts: Vec<String>,
    /// Where the nodes publish their summaries; empty: `ioc/{name}/summary`.
    pub summary_topic: String,
    pub summary_interval_ms: u64,
}

impl ClusterSettings {
    pub fn enabled(&self) -> bool {
        !self.name.is_empty()
    }

    /// The topic level under which each node publishes its summary as `{topic}/{node_id}`.
    pub fn summary_topic(&self) -> String {
        match self.summary_topic.trim() {
            "" => format!("ioc/{}/summary", self.name),
            t => t.to_owned(),
        }
    }

    /// The ingest connection's client id: each node of a cluster has its own persistent
    /// session, so two nodes never take each other's over.
    pub fn ingest_client_id(&self, base: &str) -> String {
        if self.enabled() {
            format!("{base}-{}-{}", self.name, self.node_id)
        } else {
            base.to_owned()
        }
    }

    /// A summary older than this leaves its districts missing: two intervals.
    pub fn stale_after_ms(&self) -> i64 {
        2 * self.summary_interval_ms as i64
    }

    pub fn validate(&self, embedded_broker: bool) -> Result<(), Invalid> {
        if !self.enabled() {
            if !self.node_id.is_empty() || !self.districts.is_empty() {
                return Err(Invalid::new(
                    "cluster.name",
                    "\"\"",
                    "set the deployment's name when cluster.node_id or cluster.districts is set",
                ));
            }
            return Ok(());
        }
        name("cluster.name", &self.name)?;
        name("cluster.node_id", &self.node_id)?;
        if embedded_broker {
            return Err(Invalid::new(
                "mqtt.url",
                "\"\" (the embedded broker)",
                "the nodes of a cluster share an external broker: set mqtt.url",
            ));
        }
        let t = self.summary_topic.trim();
        if t.contains(['+', '#']) || t.starts_with('/') || t.ends_with('/') {
            return Err(Invalid::new(
                "cluster.summary_topic",
                format!("{t:?}"),
                "a topic level path without wildcards or leading/trailing '/'",
            ));
        }
        range(
            "cluster.summary_interval_ms",
            self.summary_interval_ms,
            100,
            60_000,
        )
    }

    /// Every owned district exists in `city`, once. Returns the ownership by district index
    /// (every district when none is named).
    pub fn owned(&self, city: &City) -> Result<Vec<bool>, Invalid> {
        if self.districts.is_empty() {
            return Ok(vec![true; city.districts.len()]);
        }
        let mut owned = vec![false; city.districts.len()];
        for id in &self.districts {
            let Some(d) = city.district_idx(id.trim()) else {
                let known: Vec<&str> = city.districts.iter().map(|d| d.id.as_str()).collect();
                return Err(Invalid::new(
                    "cluster.districts",
                    format!("{id:?}"),
                    format!("district ids of the city: {}", known.join(", ")),
                ));
            };
            let slot = &mut owned[usize::from(d.0)];
            if *slot {
                return Err(Invalid::new(
                    "cluster.districts",
                    format!("{id:?}"),
                    "each district once",
                ));
            }
            *slot = true;
        }
        Ok(owned)
    }
}

/// 1 to 32 of `[A-Za-z0-9_-]`: safe in a topic level and a client id.
fn name(key: &str, v: &str) -> Result<(), Invalid> {
    let ok = (1..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Invalid::new(
        key,
        format!("{v:?}"),
        "1 to 32 letters, digits, '-' or '_'",
    ))
}
