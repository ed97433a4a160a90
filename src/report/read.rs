//! Reading what the computations need: each metric's rollups of some sensors over a range,
//! filed per sensor. Blocking (SQLite): call it off the async executor.

use crate::model::{City, DistrictIdx, DomainIdx, MetricIdx};
use crate::store::{Resolution, Scope, SeriesQuery, SeriesReader, StoreError};

use super::rows::{file, Rows};

/// Whose rows to read.
#[derive(Debug, Clone)]
pub enum Whose {
    Sensor(String),
    Group {
        domain: DomainIdx,
        district: Option<DistrictIdx>,
    },
}

/// Every row of `metrics` of `whose` in `[from, to)` at `resolution` (a minute or an hour).
pub fn rows(
    store: &dyn SeriesReader,
    whose: &Whose,
    metrics: &[MetricIdx],
    (from, to): (i64, i64),
    resolution: Resolution,
) -> Result<Rows, StoreError> {
    let scope = match whose {
        Whose::Sensor(id) => Scope::Sensor(id.clone()),
        Whose::Group { domain, district } => Scope::Group {
            domain: *domain,
            district: *district,
        },
    };
    let mut out = Rows::new();
    for &metric in metrics {
        let query = SeriesQuery {
            scope: scope.clone(),
            metric,
            from_ms: from,
            to_ms: to,
        };
        file(&mut out, metric, store.sensor_rows(&query, resolution)?);
    }
    Ok(out)
}

/// The registered sensors `whose` names, in city order.
pub fn sensors<'c>(city: &'c City, whose: &Whose) -> Vec<&'c crate::model::Sensor> {
    match whose {
        Whose::Sensor(id) => city.sensor(id).into_iter().collect(),
        Whose::Group { domain, district } => city
            .sensors
            .iter()
            .filter(|s| s.domain == *domain && district.is_none_or(|d| s.district == d))
            .collect(),
    }
}
