//! A partition's view of the city. A node owns some districts and computes them from its own
//! readings; for every other district it takes what the peers owning it last said in their
//! summaries ([`Foreign`], filled by the cluster link). A district with no fresh summary is
//! counted as missing, and the views say so (`partial`), never a silently smaller city.
//! Pure: the clock is an argument. Per tick it costs `districts × replicas` comparisons.

use std::sync::{Arc, Mutex};

use super::view::ForeignAlerts;
use crate::indicators::{Incomplete, Partial};
use crate::model::{City, DistrictIdx};

/// What one peer said about one district.
#[derive(Debug, Clone)]
pub struct Remote {
    pub node_id: Arc<str>,
    /// When the peer built the summary (its clock), unix ms: orders its summaries.
    pub generated_at: i64,
    /// When this node received it (its own clock): freshness is judged by this, so neither a
    /// peer whose snapshot ticks space out under load nor a skewed clock looks dead.
    pub heard_at: i64,
    /// The district's partials by domain.
    pub cells: Arc<Vec<Partial>>,
    /// Open alerts in the district by domain (index), then severity name.
    pub open_alerts: ForeignAlerts,
    /// Since when the peer decides the alerts of its districts (see `cluster/role.rs`).
    pub decides_since: Option<i64>,
}

/// A peer as its fresh summaries show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peer {
    /// The districts it reports, sorted.
    pub districts: Vec<u16>,
    pub decides_since: Option<i64>,
}

/// The peers' latest word on each district: one entry per peer (replicas of a partition
/// each publish their own).
#[derive(Debug, Default)]
pub struct Foreign {
    by_district: Vec<Vec<Remote>>,
    /// The city-wide open alerts the node evaluating the city rules reported: (node, when
    /// heard here, counts by domain and severity).
    city_alerts: Vec<(Arc<str>, i64, ForeignAlerts)>,
}

pub type SharedForeign = Arc<Mutex<Foreign>>;

impl Foreign {
    /// Keeps `r` as what its node says about district `d`, unless that node already said
    /// something newer.
    pub fn offer(&mut self, d: DistrictIdx, r: Remote) {
        let i = usize::from(d.0);
        if self.by_district.len() <= i {
            self.by_district.resize(i + 1, Vec::new());
        }
        let peers = &mut self.by_district[i];
        match peers.iter_mut().find(|p| p.node_id == r.node_id) {
            Some(p) if p.generated_at <= r.generated_at => *p = r,
            Some(_) => {}
            None => peers.push(r),
        }
    }

    /// Keeps what `node` last said of the city-wide open alerts, heard at `heard_at`.
    pub fn offer_city(&mut self, node: Arc<str>, heard_at: i64, alerts: ForeignAlerts) {
        self.city_alerts.retain(|(n, _, _)| *n != node);
        self.city_alerts.push((node, heard_at, alerts));
    }

    /// Drops everything `node_id` said (it left: its last will, or a clean stop).
    pub fn forget(&mut self, node_id: &str) {
        self.city_alerts.retain(|(n, _, _)| &**n != node_id);
        for peers in &mut self.by_district {
            peers.retain(|p| &*p.node_id != node_id);
        }
    }

    /// Every peer heard from: when its newest summary arrived, and how many districts it
    /// reports.
    pub fn peers(&self) -> std::collections::BTreeMap<Arc<str>, (i64, usize)> {
        let mut out = std::collections::BTreeMap::new();
        for r in self.by_district.iter().flatten() {
            let e = out.entry(r.node_id.clone()).or_insert((r.heard_at, 0));
            e.0 = e.0.max(r.heard_at);
            e.1 += 1;
        }
        out
    }

    /// The freshest report of the city-wide open alerts no older than `fresh_from`.
    fn freshest_city(&self, fresh_from: i64) -> Option<ForeignAlerts> {
        let fresh = self
            .city_alerts
            .iter()
            .filter(|(_, at, _)| *at >= fresh_from);
        fresh
            .max_by_key(|(_, at, _)| *at)
            .map(|(_, _, a)| a.clone())
    }

    /// Every peer with a summary no older than `fresh_from`: the districts it reports, and
    /// whether it decides alerts.
    pub fn fresh_nodes(&self, fresh_from: i64) -> std::collections::BTreeMap<Arc<str>, Peer> {
        let mut out = std::collections::BTreeMap::<Arc<str>, Peer>::new();
        for (d, peers) in self.by_district.iter().enumerate() {
            for r in peers.iter().filter(|r| r.heard_at >= fresh_from) {
                let p = out.entry(r.node_id.clone()).or_default();
                p.districts.push(d as u16);
                p.decides_since = r.decides_since;
            }
        }
        out
    }

    /// The freshest word on district `d` no older than `fresh_from`.
    fn freshest(&self, d: usize, fresh_from: i64) -> Option<&Remote> {
        self.by_district
            .get(d)?
            .iter()
            .filter(|r| r.heard_at >= fresh_from)
            .max_by_key(|r| r.generated_at)
    }
}

/// Which districts this node owns, and how it overlays the others.
#[derive(Debug)]
pub struct Territory {
    owned: Arc<[bool]>,
    owns_city: bool,
    stale_after_ms: i64,
    foreign: SharedForeign,
    /// Per district: since when it has been missing.
    missing_since: Vec<Option<i64>>,
}

/// One tick's overlay.
pub struct Overlaid {
    pub cells: Vec<Arc<Vec<Partial>>>,
    /// Per district not owned: the peer's open alerts, when its summary is fresh.
    pub open_alerts: Vec<Option<ForeignAlerts>>,
    /// The city-wide open alerts, when another node evaluates the city rules.
    pub city_alerts: Option<ForeignAlerts>,
    pub partial: Option<Incomplete>,
}

impl Territory {
    /// `owned` by district index. The node owning the city's first district also evaluates
    /// the city-wide rules, so exactly one partition raises each city alert.
    pub fn new(
        owned: Vec<bool>,
        stale_after_ms: i64,
        foreign: SharedForeign,
        started_ms: i64,
    ) -> Territory {
        let missing_since = owned.iter().map(|o| (!o).then_some(started_ms)).collect();
        Territory {
            owns_city: owned.first().copied().unwrap_or(true),
            owned: owned.into(),
            stale_after_ms,
            foreign,
            missing_since,
        }
    }

    pub fn owned(&self) -> Arc<[bool]> {
        self.owned.clone()
    }

    pub fn owns_city(&self) -> bool {
        self.owns_city
    }

    /// `own` with every district this node does not own replaced by its freshest summary, or
    /// by nothing (and named missing) when none is fresh at `now_ms`.
    pub fn overlay(&mut self, city: &City, own: &[Arc<Vec<Partial>>], now_ms: i64) -> Overlaid {
        let empty = Arc::new(vec![Partial::default(); city.domains.len()]);
        let foreign = crate::shell::lock::lock(&self.foreign);
        let fresh_from = now_ms - self.stale_after_ms;
        let mut out = Overlaid {
            cells: Vec::with_capacity(own.len()),
            open_alerts: Vec::with_capacity(own.len()),
            city_alerts: None,
            partial: None,
        };
        if !self.owns_city {
            out.city_alerts = foreign.freshest_city(fresh_from);
        }
        let mut missing = Vec::new();
        for (d, mine) in own.iter().enumerate() {
            if self.owned.get(d).copied().unwrap_or(true) {
                out.cells.push(mine.clone());
                out.open_alerts.push(None);
                continue;
            }
            match foreign.freshest(d, fresh_from) {
                Some(r) => {
                    self.missing_since[d] = None;
                    out.cells.push(r.cells.clone());
                    out.open_alerts.push(Some(r.open_alerts.clone()));
                }
                None => {
                    let since = *self.missing_since[d].get_or_insert(now_ms);
                    missing.push((d, since));
                    out.cells.push(empty.clone());
                    out.open_alerts.push(None);
                }
            }
        }
        out.partial = incomplete(city, &missing);
        out
    }
}

fn incomplete(city: &City, missing: &[(usize, i64)]) -> Option<Incomplete> {
    let since = missing.iter().map(|(_, s)| *s).min()?;
    Some(Incomplete {
        missing_districts: missing
            .iter()
            .map(|(d, _)| city.district(DistrictIdx(*d as u16)).id.clone())
            .collect(),
        since,
    })
}
