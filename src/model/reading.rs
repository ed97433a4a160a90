use std::sync::Arc;

use super::{DistrictIdx, DomainIdx, MetricIdx};

/// One validated value of one metric of one sensor at one time.
///
/// A message carrying several metrics becomes several readings; they share the `Arc` of the
/// sensor id, so the split costs no string copies.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub sensor: Arc<str>,
    /// False when the sensor is missing from the registry; such readings are kept and flagged.
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    pub metric: MetricIdx,
    /// Source timestamp, unix milliseconds.
    pub ts_ms: i64,
    /// True when the payload carried no time and `ts_ms` is the receive time: a redelivered
    /// copy then gets another `ts_ms`, so only `seq` can tell it is a duplicate.
    pub ts_received: bool,
    pub seq: Option<u64>,
    pub value: f64,
}
