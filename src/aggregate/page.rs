//! One page of the sensor listing, resumed after the last sensor of the previous page. The
//! order is the listing's (registered sensors in registry order, then unregistered ones by
//! id), and it is stable while the city changes: the registry is fixed for a run, a new
//! unregistered sensor takes its place by id, and readings or status changes move nothing.
//! So a walk page by page neither skips nor repeats a sensor that exists throughout.

use std::ops::Bound;
use std::sync::Arc;

use crate::model::{DistrictIdx, DomainIdx};

use super::live::{LiveState, SensorState};
use super::view::{SensorFilter, SensorSummary};

/// Where a sensor stands in the listing's order: what a page resumes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensorKey {
    /// A registry sensor, by id; it stands at its registry position.
    Registered(String),
    /// A sensor missing from the registry, by id; these follow the registry, sorted by id.
    Unregistered(String),
}

impl SensorKey {
    /// The key of a listed sensor.
    pub fn of(sensor: &SensorSummary) -> SensorKey {
        match sensor.registered {
            true => SensorKey::Registered(sensor.id.clone()),
            false => SensorKey::Unregistered(sensor.id.clone()),
        }
    }
}

/// Why a page cannot resume where it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    /// The registry is fixed for a run, so this only follows a restart with another city.
    #[error("the cursor resumes after sensor {0:?}, which is not in the registry; list again without a cursor")]
    NotRegistered(String),
    /// An unregistered sensor this run has not seen: the cursor is from before a restart.
    #[error("the cursor resumes after sensor {0:?}, which this run has not seen (ioc restarted since); list again without a cursor")]
    NotSeen(String),
}

impl LiveState {
    /// Up to `limit` sensors matching `filter` and `in_scope`, after `after` (from the start
    /// when `None`). Cost: a hash lookup (registered key) or a `BTreeSet` seek (unregistered
    /// key) to resume, then one step per sensor scanned until `limit` match: O(page) when the
    /// filters keep most sensors, up to the rest of the city for a filter that keeps few.
    pub fn sensor_page(
        &self,
        filter: SensorFilter,
        in_scope: impl Fn(DomainIdx, DistrictIdx) -> bool,
        after: Option<&SensorKey>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Vec<SensorSummary>, ResumeError> {
        let (from, unregistered_after) = match after {
            None => (0, Bound::Unbounded),
            Some(SensorKey::Registered(id)) => {
                let pos = self
                    .city
                    .sensor_position(id)
                    .ok_or_else(|| ResumeError::NotRegistered(crate::model::truncate(id, 64)))?;
                (pos + 1, Bound::Unbounded)
            }
            Some(SensorKey::Unregistered(id)) => {
                (self.city.sensors.len(), Bound::Excluded(id.as_str()))
            }
        };
        let registered = self.city.sensors[from..]
            .iter()
            .filter_map(|s| self.sensors.get_key_value(&s.id));
        let unregistered = self
            .unregistered
            .range::<str, _>((unregistered_after, Bound::Unbounded))
            .filter_map(|id| self.sensors.get_key_value(id));
        let wanted = |(_, st): &(&Arc<str>, &SensorState)| {
            filter.domain.is_none_or(|d| d == st.domain)
                && filter.district.is_none_or(|d| d == st.district)
                && in_scope(st.domain, st.district)
        };
        Ok(registered
            .chain(unregistered)
            .filter(wanted)
            .map(|(id, st)| self.summary(id, st, now_ms))
            .filter(|s| filter.status.is_none_or(|want| want == s.status))
            .take(limit)
            .collect())
    }
}
