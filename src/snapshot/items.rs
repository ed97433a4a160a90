//! One page of the per-sensor items (roads, air stations, water gauges, service centres) that
//! `GET /api/v1/indicators/{domain}` lists: the snapshot's entries in dense order (registered
//! sensors in registry order, then unregistered ones in the order this run first saw them),
//! resumed after a sensor's key. Within a run that order only grows at its end, so walking it
//! while sensors report neither skips nor repeats one.

use crate::aggregate::{ResumeError, SensorKey};
use crate::model::{truncate, DistrictIdx, DomainIdx};

use super::entry::SensorEntry;
use super::Snapshot;

impl Snapshot {
    /// Up to `fetch` entries that `want` keeps and that have an item, after `after`'s sensor
    /// (from the first when `None`). Cost: a hash lookup or a scan of the unregistered sensors
    /// to resume, then one step per entry until `fetch` are found: O(page) when `want` keeps
    /// most sensors, up to the rest of the city for one that keeps few.
    pub fn item_entries(
        &self,
        want: impl Fn(DomainIdx, DistrictIdx) -> bool,
        after: Option<&SensorKey>,
        fetch: usize,
    ) -> Result<Vec<&SensorEntry>, ResumeError> {
        let from = self.resume_at(after)?;
        Ok(self
            .entries
            .iter_from(from)
            .filter(|e| want(e.domain, e.district) && e.part.has_item())
            .take(fetch)
            .collect())
    }

    /// The dense index after `after`'s sensor.
    fn resume_at(&self, after: Option<&SensorKey>) -> Result<usize, ResumeError> {
        match after {
            None => Ok(0),
            Some(SensorKey::Registered(id)) => self
                .city
                .sensor_position(id)
                .map(|pos| pos + 1)
                .ok_or_else(|| ResumeError::NotRegistered(truncate(id, 64))),
            Some(SensorKey::Unregistered(id)) => {
                let registered = self.city.sensors.len();
                self.entries
                    .iter_from(registered)
                    .position(|e| &*e.id == id.as_str())
                    .map(|i| registered + i + 1)
                    .ok_or_else(|| ResumeError::NotSeen(truncate(id, 64)))
            }
        }
    }
}

/// The key a page names its last entry by.
pub fn entry_key(e: &SensorEntry) -> SensorKey {
    match e.registered {
        true => SensorKey::Registered(e.id.to_string()),
        false => SensorKey::Unregistered(e.id.to_string()),
    }
}
