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
    /// Where the nodes publish their key tables; empty: `ioc/{name}/keys`.
    pub keys_topic: String,
    /// Where replicas share their alerts; empty: `ioc/{name}/alerts`.
    pub alerts_topic: String,
    pub summary_interval_ms: u64,
    /// The Prometheus query API of the store every node exports to; empty: none.
    pub history_url: String,
    /// The cluster link's broker account; empty: the ingest's (`mqtt.username`).
    pub username: String,
    pub password: String,
}

impl ClusterSettings {
    /// A node `node_id` of deployment `name` owning `districts`, every other key at its
    /// default (as `ioc check-topology` checks each node of a topology file).
    pub fn node(name: &str, node_id: &str, districts: &[String]) -> ClusterSettings {
        ClusterSettings {
            name: name.to_owned(),
            node_id: node_id.to_owned(),
            districts: districts.to_vec(),
            summary_topic: String::new(),
            keys_topic: String::new(),
            alerts_topic: String::new(),
            summary_interval_ms: 1000,
            history_url: String::new(),
            username: String::new(),
            password: String::new(),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.name.is_empty()
    }

    /// The districts this node owns, as given (blank entries left out: an empty
    /// `IOC__CLUSTER__DISTRICTS` names none); empty for a replica of the whole city.
    pub fn district_ids(&self) -> Vec<String> {
        let ids = self.districts.iter().map(|d| d.trim());
        ids.filter(|d| !d.is_empty()).map(str::to_owned).collect()
    }

    /// The topic level under which each node publishes its summary as `{topic}/{node_id}`.
    pub fn summary_topic(&self) -> String {
        match self.summary_topic.trim() {
            "" => format!("ioc/{}/summary", self.name),
            t => t.to_owned(),
        }
    }

    /// The topic level under which each node publishes its key table as `{topic}/{node_id}`.
    pub fn keys_topic(&self) -> String {
        match self.keys_topic.trim() {
            "" => format!("ioc/{}/keys", self.name),
            t => t.to_owned(),
        }
    }

    /// The topic level under which replicas share alert changes and tables.
    pub fn alerts_topic(&self) -> String {
        match self.alerts_topic.trim() {
            "" => format!("ioc/{}/alerts", self.name),
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
            if !self.node_id.is_empty() || !self.district_ids().is_empty() {
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
        if self.username.is_empty() && !self.password.is_empty() {
            return Err(Invalid::new(
                "cluster.password",
                "(set)",
                "a password needs cluster.username as well",
            ));
        }
        let url = self.history_url.trim();
        let http = url
            .strip_prefix("http://")
            .is_some_and(|host| !host.is_empty());
        if !url.is_empty() && !http {
            return Err(Invalid::new(
                "cluster.history_url",
                format!("{url:?}"),
                "empty, or the http:// base of a Prometheus query API (VictoriaMetrics: http://vmselect:8481/select/0/prometheus, or http://victoria-metrics:8428); https is not supported yet",
            ));
        }
        topic("cluster.summary_topic", &self.summary_topic)?;
        topic("cluster.keys_topic", &self.keys_topic)?;
        topic("cluster.alerts_topic", &self.alerts_topic)?;
        let topics = [self.summary_topic(), self.keys_topic(), self.alerts_topic()];
        if topics[0] == topics[1] || topics[1] == topics[2] || topics[0] == topics[2] {
            return Err(Invalid::new(
                "cluster.alerts_topic",
                format!("{topics:?}"),
                "summary, keys and alerts topics apart from each other",
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
        let ids = self.district_ids();
        if ids.is_empty() {
            return Ok(vec![true; city.districts.len()]);
        }
        let mut owned = vec![false; city.districts.len()];
        for id in &ids {
            let Some(d) = city.district_idx(id) else {
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

/// A topic level path without wildcards (empty: the default).
fn topic(key: &str, t: &str) -> Result<(), Invalid> {
    let t = t.trim();
    if t.contains(['+', '#']) || t.starts_with('/') || t.ends_with('/') {
        return Err(Invalid::new(
            key,
            format!("{t:?}"),
            "a topic level path without wildcards or leading/trailing '/'",
        ));
    }
    Ok(())
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
