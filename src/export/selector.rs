//! What a history query asks an external store for, whichever store answers it (InfluxDB
//! with Flux, or a Prometheus query API): the exported series and the steps over a range.

use crate::store::Agg;

/// The exported line protocol's series (measurement = domain, field = metric, tags `sensor`
/// and `district`), pooled per step.
#[derive(Debug, Clone)]
pub struct Selector<'a> {
    pub measurement: &'a str,
    pub field: &'a str,
    pub sensor: Option<&'a str>,
    pub district: Option<&'a str>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub step_ms: i64,
    pub agg: Agg,
}
