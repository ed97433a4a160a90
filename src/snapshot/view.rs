//! [`Snapshot`]: one tick's immutable picture of the city, and its typed views. Every view
//! reads what the tick computed; none recomputes a sensor.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::aggregate::Indicators;
use crate::indicators::{areas, kpi, Areas, IndicatorParams, Kpi, Partial};
use crate::model::{City, DistrictIdx, DomainIdx};

use super::entry::{Entries, SensorEntry};

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
    /// Per district: its indicators' partials by domain.
    pub(super) cells: Vec<Arc<Vec<Partial>>>,
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
        areas(&self.city, cells, want, &self.params, self.generated_at)
    }

    /// The control room's header over `areas` (from [`areas`](Self::areas) or
    /// [`scoped_areas`](Self::scoped_areas)).
    pub fn kpi(&self, areas: &Areas, open_alerts: BTreeMap<String, u64>) -> Kpi {
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
