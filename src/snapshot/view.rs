//! [`Snapshot`]: one tick's immutable picture of the city, and its typed views. Every view
//! reads what the tick computed; none recomputes a sensor.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::aggregate::Indicators;
use crate::indicators::{areas, kpi, Areas, IndicatorParams, Kpi, Partial};
use crate::model::{City, DistrictIdx, DomainIdx};

use super::entry::{Entries, SensorEntry};

/// A district's open alerts as its owner reported them: by domain (index), then severity.
pub type ForeignAlerts = Arc<Vec<BTreeMap<String, u64>>>;

/// What a tick changed.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Sensors whose status changed (or which are new), by dense index, ascending.
    pub statuses: Vec<u32>,
    /// Sensors recomputed: changed by readings or by time.
    pub recomputed: usize,
    /// Of those, changed by readings.
    pub dirty: usize,
}

/// The city at one tick. Cheap to share (`Arc`); cheap to publish (chunks are shared with
/// the builder and copied only when a later tick changes them).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub generated_at: i64,
    pub city: Arc<City>,
    pub(super) params: IndicatorParams,
    pub(super) entries: Entries,
    /// Per district: its indicators' partials by domain (for a partition, a peer's for the
    /// districts it does not own).
    pub(super) cells: Vec<Arc<Vec<Partial>>>,
    /// A partition's districts (by index), and whether it evaluates the city-wide rules;
    /// `None` for a node that owns the whole city.
    pub(super) owned: Option<(Arc<[bool]>, bool)>,
    /// Per district a partition does not own: its peer's open alerts by domain and severity.
    pub(super) foreign_alerts: Arc<Vec<Option<ForeignAlerts>>>,
    /// The city-wide open alerts, when another node evaluates the city rules.
    pub(super) foreign_city_alerts: Option<ForeignAlerts>,
    /// Every area's indicators, city-wide and per district.
    pub(super) areas: Arc<Areas>,
    /// The 1m/5m/15m/1h window aggregates per domain, district and metric.
    pub windows: Arc<Indicators>,
    pub changes: Changes,
}

impl Snapshot {
    /// Every area's indicators, over the whole city.
    pub fn areas(&self) -> &Areas {
        &self.areas
    }

    /// The areas as a caller limited to the cells `want` keeps sees them: the city-wide
    /// figures are those of its part of the city. Costs `districts × domains` merges.
    pub fn scoped_areas(&self, want: impl Fn(DomainIdx, DistrictIdx) -> bool) -> Areas {
        let cells = self.cells.iter().map(|c| c.as_slice());
        let mut a = areas(&self.city, cells, &want, &self.params, self.generated_at);
        a.partial = self.areas.partial.clone().and_then(|mut p| {
            let domains = self.city.domains.len() as u16;
            let seen = |id: &String| {
                self.city
                    .district_idx(id)
                    .is_some_and(|d| (0..domains).any(|k| want(DomainIdx(k), d)))
            };
            p.missing_districts.retain(seen);
            (!p.missing_districts.is_empty()).then_some(p)
        });
        a
    }

    /// Whether this node computes district `d` from its own readings (always, alone).
    pub fn owns(&self, d: DistrictIdx) -> bool {
        self.owned
            .as_ref()
            .is_none_or(|(o, _)| o.get(usize::from(d.0)).copied().unwrap_or(false))
    }

    /// A partition's districts by index; `None` for a node that owns the whole city.
    pub fn territory(&self) -> Option<Arc<[bool]>> {
        self.owned.as_ref().map(|(o, _)| o.clone())
    }

    /// Whether this node evaluates the city-wide rules (always, alone).
    pub fn owns_city(&self) -> bool {
        self.owned.as_ref().is_none_or(|(_, city)| *city)
    }

    /// The partials by domain of district `d`.
    pub fn cell(&self, d: DistrictIdx) -> Option<&[Partial]> {
        self.cells.get(usize::from(d.0)).map(|c| c.as_slice())
    }

    /// Open alerts by severity in the districts peers own, of the cells `want` keeps.
    pub fn foreign_open_alerts(
        &self,
        want: impl Fn(DomainIdx, DistrictIdx) -> bool,
    ) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (d, by_domain) in self.foreign_alerts.iter().enumerate() {
            let Some(by_domain) = by_domain else { continue };
            for (k, counts) in by_domain.iter().enumerate() {
                if !want(DomainIdx(k as u16), DistrictIdx(d as u16)) {
                    continue;
                }
                for (severity, n) in counts {
                    *out.entry(severity.clone()).or_insert(0) += n;
                }
            }
        }
        // A city-wide alert counts for a caller who sees the whole city in its domain.
        let districts = self.city.districts.len() as u16;
        for (k, counts) in self
            .foreign_city_alerts
            .iter()
            .flat_map(|c| c.iter().enumerate())
        {
            let dom = DomainIdx(k as u16);
            if (0..districts).all(|d| want(dom, DistrictIdx(d))) {
                for (severity, n) in counts {
                    *out.entry(severity.clone()).or_insert(0) += n;
                }
            }
        }
        out
    }

    /// The control room's header over `areas` (from [`areas`](Self::areas) or
    /// [`scoped_areas`](Self::scoped_areas)).
    /// `open_alerts` are this node's; those peers reported for the cells `want` keeps are
    /// added.
    pub fn kpi(
        &self,
        areas: &Areas,
        mut open_alerts: BTreeMap<String, u64>,
        want: impl Fn(DomainIdx, DistrictIdx) -> bool,
    ) -> Kpi {
        for (severity, n) in self.foreign_open_alerts(want) {
            *open_alerts.entry(severity).or_insert(0) += n;
        }
        kpi(&self.city, areas, open_alerts)
    }

    /// Sensors in the snapshot (dense indices run `0..sensor_count()`).
    pub fn sensor_count(&self) -> usize {
        self.entries.len()
    }

    pub fn entry(&self, idx: u32) -> Option<&SensorEntry> {
        self.entries.get(idx)
    }

    /// Every sensor: registered ones in registry order, then unregistered ones in the order
    /// they were first seen.
    pub fn entries(&self) -> impl Iterator<Item = &SensorEntry> {
        self.entries.iter()
    }
}
