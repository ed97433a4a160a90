//! A whole deployment's layout, checked against the city before any node starts: every
//! district owned by exactly one partition, node ids unique, each partition with its replicas.
//! `ioc check-topology FILE` prints what each node needs (`IOC__CLUSTER__…`). Pure.
//!
//! ```toml
//! cluster = "danang"
//! [[partitions]]
//! name = "north"
//! districts = ["hai-van", "lien-chieu"]   # empty or absent: the whole city
//! nodes = ["north-1", "north-2"]
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ClusterSettings;
use crate::model::City;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    pub cluster: String,
    pub partitions: Vec<Partition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partition {
    pub name: String,
    #[serde(default)]
    pub districts: Vec<String>,
    pub nodes: Vec<String>,
}

/// What a valid topology says, for the operator: per node its settings, and warnings.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// (partition, node id, districts as `IOC__CLUSTER__DISTRICTS` takes them).
    pub nodes: Vec<(String, String, String)>,
    /// Allowed but worth knowing: a partition with one node has no fail-over.
    pub warnings: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    #[error("not a topology file: {0}")]
    Parse(String),
    #[error("{0}")]
    Invalid(String),
}

impl Topology {
    pub fn parse(text: &str) -> Result<Topology, TopologyError> {
        toml::from_str(text).map_err(|e| TopologyError::Parse(e.to_string()))
    }

    /// Every district of `city` owned by exactly one partition (or one partition owning the
    /// whole city), every node id valid and used once, every partition with a node.
    pub fn check(&self, city: &City) -> Result<Checked, TopologyError> {
        let invalid = |m: String| Err(TopologyError::Invalid(m));
        if self.partitions.is_empty() {
            return invalid("no [[partitions]]".into());
        }
        let whole = self.partitions.iter().filter(|p| p.districts.is_empty());
        if whole.count() > 0 && self.partitions.len() > 1 {
            return invalid(
                "a partition without districts owns the whole city, so it must be the only one"
                    .into(),
            );
        }
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        let mut out = Checked::default();
        let mut ids = BTreeMap::new();
        for p in &self.partitions {
            let s = self.settings(p);
            s.validate(false)
                .and_then(|()| s.owned(city))
                .map_err(|e| TopologyError::Invalid(format!("partition {:?}: {e}", p.name)))?;
            for d in &p.districts {
                if let Some(other) = owner.insert(d.as_str(), p.name.as_str()) {
                    return invalid(format!(
                        "district {d:?} is in partitions {other:?} and {:?}",
                        p.name
                    ));
                }
            }
            if p.nodes.is_empty() {
                return invalid(format!("partition {:?} has no nodes", p.name));
            }
            if p.nodes.len() == 1 {
                out.warnings.push(format!(
                    "partition {:?} has one node: nothing takes over when it stops",
                    p.name
                ));
            }
            for n in &p.nodes {
                let mut s = s.clone();
                s.node_id = n.clone();
                s.validate(false)
                    .map_err(|e| TopologyError::Invalid(format!("node {n:?}: {e}")))?;
                if let Some(other) = ids.insert(n.as_str(), p.name.as_str()) {
                    return invalid(format!(
                        "node id {n:?} is used in partitions {other:?} and {:?}",
                        p.name
                    ));
                }
                out.nodes
                    .push((p.name.clone(), n.clone(), p.districts.join(",")));
            }
        }
        let unowned: Vec<&str> = city
            .districts
            .iter()
            .map(|d| d.id.as_str())
            .filter(|d| !owner.contains_key(d))
            .collect();
        if !owner.is_empty() && !unowned.is_empty() {
            return invalid(format!("no partition owns {}", unowned.join(", ")));
        }
        Ok(out)
    }

    fn settings(&self, p: &Partition) -> ClusterSettings {
        let first = p.nodes.first().map_or("", String::as_str);
        ClusterSettings::node(&self.cluster, first, &p.districts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CityConfig;

    fn city() -> City {
        City::from_config(&CityConfig::demo().expect("demo")).expect("demo")
    }

    fn check(text: &str) -> Result<Checked, TopologyError> {
        Topology::parse(text)?.check(&city())
    }

    const HALVES: &str = r#"
cluster = "danang"
[[partitions]]
name = "north"
districts = ["hai-van", "lien-chieu", "thanh-khe", "hai-chau", "son-tra", "an-hai"]
nodes = ["north-1", "north-2"]
[[partitions]]
name = "south"
districts = ["hoa-khanh", "an-khe", "hoa-cuong", "ngu-hanh-son", "cam-le", "hoa-xuan"]
nodes = ["south-1"]
"#;

    #[test]
    fn a_topology_covering_every_district_once_lists_each_node() {
        let c = check(HALVES).expect("valid");
        assert_eq!(c.nodes.len(), 3);
        assert_eq!(c.nodes[2].0, "south");
        assert!(c.nodes[0].2.starts_with("hai-van,lien-chieu"));
        assert_eq!(c.warnings.len(), 1, "south has no fail-over");
        let whole = "cluster = \"dn\"\n[[partitions]]\nname = \"all\"\nnodes = [\"a\", \"b\"]\n";
        assert!(check(whole).is_ok_and(|c| c.warnings.is_empty()));
    }

    #[test]
    fn a_district_owned_twice_or_not_at_all_or_a_node_twice_is_named() {
        let twice = HALVES.replace("\"hoa-khanh\"", "\"hai-van\"");
        let e = check(&twice).expect_err("twice");
        assert!(
            e.to_string().contains("\"hai-van\" is in partitions"),
            "{e}"
        );
        let missing = HALVES.replace("\"hoa-khanh\", ", "");
        let e = check(&missing).expect_err("unowned");
        assert_eq!(e.to_string(), "no partition owns hoa-khanh");
        let same = HALVES.replace("south-1", "north-2");
        assert!(check(&same)
            .expect_err("node twice")
            .to_string()
            .contains("\"north-2\""));
        let unknown = HALVES.replace("\"an-hai\"", "\"atlantis\"");
        assert!(check(&unknown)
            .expect_err("unknown")
            .to_string()
            .contains("atlantis"));
        assert!(matches!(check("cluster = 1"), Err(TopologyError::Parse(_))));
    }
}
