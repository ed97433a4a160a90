//! On a partition, history computed from the rollups (indicator history, reports) covers only
//! the districts this node owns: its store holds no other. A request naming another district
//! (or a sensor of one) is refused with `409 not_owned`; a city-wide one covers the owned
//! districts and says so (`partial`, or a report's `elsewhere`).

use std::sync::Arc;

use super::HistoryService;
use crate::model::{City, DistrictIdx};
use crate::report::read::Whose;
use crate::serve::error::ApiError;

impl HistoryService {
    /// This node's districts, by index, when it is a partition.
    pub fn with_territory(mut self, owned: Option<Arc<[bool]>>) -> Self {
        self.territory = owned;
        self
    }

    /// True when this node holds `district`'s history.
    pub(super) fn owns(&self, district: DistrictIdx) -> bool {
        self.territory
            .as_ref()
            .is_none_or(|o| o.get(usize::from(district.0)).copied().unwrap_or(false))
    }

    /// Refuses a district this node does not own.
    pub(super) fn require_owned(&self, city: &City, district: DistrictIdx) -> Result<(), ApiError> {
        if self.owns(district) {
            Ok(())
        } else {
            Err(ApiError::NotOwned(city.district(district).id.clone()))
        }
    }

    /// `groups` narrowed to what this node holds: a city-wide group becomes one per owned
    /// district. True when that left districts out.
    pub(super) fn confine(&self, city: &City, groups: &mut Vec<Whose>) -> Result<bool, ApiError> {
        if self.territory.is_none() {
            return Ok(false);
        }
        let mut out = Vec::new();
        let mut partial = false;
        for g in groups.drain(..) {
            match g {
                Whose::Sensor(id) => {
                    if let Some(s) = city.sensor(&id) {
                        self.require_owned(city, s.district)?;
                    }
                    out.push(Whose::Sensor(id));
                }
                Whose::Group {
                    domain,
                    district: Some(d),
                } => {
                    self.require_owned(city, d)?;
                    out.push(Whose::Group {
                        domain,
                        district: Some(d),
                    });
                }
                Whose::Group {
                    domain,
                    district: None,
                } => {
                    for d in (0..city.districts.len() as u16).map(DistrictIdx) {
                        if self.owns(d) {
                            out.push(Whose::Group {
                                domain,
                                district: Some(d),
                            });
                        } else {
                            partial = true;
                        }
                    }
                }
            }
        }
        *groups = out;
        Ok(partial)
    }
}
