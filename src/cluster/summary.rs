//! The summary a partition publishes of the districts it owns, retained on
//! `{summary_topic}/{node_id}`: per district its partials by domain (the snapshot's mergeable
//! sums) and its open alerts by domain and severity; and the word `gone` a node leaves when
//! it stops or dies (its last will). Pure: what a summary says, and what a received one means
//! for this node's city. Its size follows the node's districts × domains, not its sensors.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::origin::{check, OriginError, VERSION};
use crate::alerts::{Alert, AlertState, Severity};
use crate::indicators::{Partial, PartialWire, WireError};
use crate::model::{City, DistrictIdx};
use crate::snapshot::{ForeignAlerts, Remote, Snapshot};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub v: u32,
    pub cluster: String,
    pub node_id: String,
    pub generated_at: i64,
    /// The node has stopped: forget what it said.
    #[serde(default)]
    pub gone: bool,
    /// Since when the node decides the alerts of its districts; absent for a follower.
    #[serde(default)]
    pub decides_since: Option<i64>,
    #[serde(default)]
    pub districts: BTreeMap<String, DistrictSummary>,
    /// City-wide open alerts by domain name, then severity: present (maybe empty) from the
    /// node that evaluates the city rules, absent from the others.
    #[serde(default)]
    pub city_open_alerts: Option<BTreeMap<String, BTreeMap<String, u64>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSummary {
    /// By domain name.
    pub domains: BTreeMap<String, PartialWire>,
    /// Open alerts by domain name, then severity.
    #[serde(default)]
    pub open_alerts: BTreeMap<String, BTreeMap<String, u64>>,
}

/// What a received summary means here.
#[derive(Debug)]
pub enum Heard {
    /// A node's word on its districts, and on the city-wide alerts when it evaluates them.
    Districts(Arc<str>, Vec<(DistrictIdx, Remote)>, Option<ForeignAlerts>),
    /// A node has stopped.
    Gone(Arc<str>),
}

#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("not a summary: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Origin(#[from] OriginError),
    #[error("names district {0:?}, which the city file does not have")]
    District(String),
    #[error("names domain {0:?}, which the city file does not have")]
    Domain(String),
    #[error("names severity {0:?}; known: critical, major, minor, warning")]
    Severity(String),
    #[error("district {district:?}: {source}")]
    Wire { district: String, source: WireError },
    #[error("an open-alert count above any city's")]
    Count,
}

/// This node's summary of the districts it owns, from `snap` and its open `alerts`.
pub fn summarise(
    cluster: &str,
    node_id: &str,
    snap: &Snapshot,
    alerts: &[Alert],
    decides_since: Option<i64>,
) -> Summary {
    let city = &snap.city;
    let mut districts = BTreeMap::new();
    for (i, d) in city.districts.iter().enumerate() {
        let idx = DistrictIdx(i as u16);
        let (true, Some(cells)) = (snap.owns(idx), snap.cell(idx)) else {
            continue;
        };
        let domains = cells
            .iter()
            .enumerate()
            .map(|(k, p)| (city.domains[k].name.clone(), p.to_wire()))
            .collect();
        let summary = DistrictSummary {
            domains,
            open_alerts: BTreeMap::new(),
        };
        districts.insert(d.id.clone(), summary);
    }
    // As the KPI counts them: firing and acknowledged (a pending alert has alerted nobody).
    let counted = |a: &&Alert| matches!(a.state, AlertState::Firing | AlertState::Acknowledged);
    let mut city_open_alerts = BTreeMap::new();
    for a in alerts.iter().filter(counted) {
        let by_domain = match a.district.as_deref() {
            None => &mut city_open_alerts,
            Some(d) => match districts.get_mut(d) {
                Some(d) => &mut d.open_alerts,
                None => continue,
            },
        };
        let by_severity = by_domain.entry(a.domain.clone()).or_default();
        *by_severity
            .entry(a.severity.as_str().to_owned())
            .or_insert(0) += 1;
    }

    Summary {
        v: VERSION,
        cluster: cluster.to_owned(),
        node_id: node_id.to_owned(),
        generated_at: snap.generated_at,
        gone: false,
        decides_since,
        districts,
        city_open_alerts: snap.owns_city().then_some(city_open_alerts),
    }
}

/// The word a node leaves when it stops (and, as its last will, when it dies).
pub fn gone(cluster: &str, node_id: &str, now_ms: i64) -> Summary {
    Summary {
        v: VERSION,
        cluster: cluster.to_owned(),
        node_id: node_id.to_owned(),
        generated_at: now_ms,
        gone: true,
        decides_since: None,
        districts: BTreeMap::new(),
        city_open_alerts: None,
    }
}

/// What `payload` says, received at `now_ms`, checked against this node's `cluster` and `city`: a summary naming a
/// district, domain or severity this city does not know is refused whole, with the reason.
pub fn heard(
    payload: &[u8],
    cluster: &str,
    city: &City,
    now_ms: i64,
) -> Result<Heard, SummaryError> {
    let s: Summary = serde_json::from_slice(payload)?;
    check(s.v, &s.cluster, cluster)?;
    let node: Arc<str> = s.node_id.into();
    if s.gone {
        return Ok(Heard::Gone(node));
    }
    let mut out = Vec::with_capacity(s.districts.len());
    for (id, d) in s.districts {
        let idx = city
            .district_idx(&id)
            .ok_or_else(|| SummaryError::District(id.clone()))?;
        let remote = Remote {
            node_id: node.clone(),
            generated_at: s.generated_at,
            heard_at: now_ms,
            cells: Arc::new(cells(city, &id, d.domains)?),
            open_alerts: Arc::new(open_alerts(city, d.open_alerts)?),
            decides_since: s.decides_since,
        };
        out.push((idx, remote));
    }
    let city = match s.city_open_alerts {
        Some(by_domain) => Some(Arc::new(open_alerts(city, by_domain)?)),
        None => None,
    };
    Ok(Heard::Districts(node, out, city))
}

fn cells(
    city: &City,
    district: &str,
    domains: BTreeMap<String, PartialWire>,
) -> Result<Vec<Partial>, SummaryError> {
    let mut cells = vec![Partial::default(); city.domains.len()];
    for (name, wire) in domains {
        let k = domain(city, &name)?;
        cells[k] = wire.into_partial().map_err(|source| SummaryError::Wire {
            district: district.to_owned(),
            source,
        })?;
    }
    Ok(cells)
}

fn open_alerts(
    city: &City,
    by_domain: BTreeMap<String, BTreeMap<String, u64>>,
) -> Result<Vec<BTreeMap<String, u64>>, SummaryError> {
    let mut out = vec![BTreeMap::new(); city.domains.len()];
    for (name, counts) in by_domain {
        let k = domain(city, &name)?;
        if let Some(bad) = counts.keys().find(|s| Severity::parse(s).is_none()) {
            return Err(SummaryError::Severity(bad.clone()));
        }
        if counts.values().any(|n| *n > 1 << 32) {
            return Err(SummaryError::Count);
        }
        out[k] = counts;
    }
    Ok(out)
}

fn domain(city: &City, name: &str) -> Result<usize, SummaryError> {
    city.domains
        .iter()
        .position(|d| d.name == name)
        .ok_or_else(|| SummaryError::Domain(name.to_owned()))
}
