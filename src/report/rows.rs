//! Stored rollup rows regrouped per sensor and metric, by bucket start: what the pure
//! computations read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::model::MetricIdx;
use crate::store::Row;

/// One sensor's rows: per metric, its buckets by start time.
#[derive(Debug, Default, Clone)]
pub struct SensorRows {
    metrics: HashMap<MetricIdx, BTreeMap<i64, Row>>,
}

/// Every sensor's rows, by sensor id.
pub type Rows = HashMap<Arc<str>, SensorRows>;

/// Files `rows` of `metric` under their sensors; rows of one sensor and bucket merge.
pub fn file(into: &mut Rows, metric: MetricIdx, rows: Vec<(Arc<str>, Row)>) {
    for (sensor, row) in rows {
        into.entry(sensor)
            .or_default()
            .metrics
            .entry(metric)
            .or_default()
            .entry(row.t)
            .and_modify(|b| b.merge(&row))
            .or_insert(row);
    }
}

impl SensorRows {
    /// The bucket of `metric` starting at `t`.
    pub fn row(&self, metric: MetricIdx, t: i64) -> Option<&Row> {
        self.metrics.get(&metric)?.get(&t)
    }

    /// The mean of `metric` in the bucket starting at `t`.
    pub fn mean(&self, metric: Option<MetricIdx>, t: i64) -> Option<f64> {
        let r = self.row(metric?, t)?;
        (r.count > 0).then(|| r.sum / r.count as f64)
    }

    /// The most readings any one metric has in the bucket starting at `t`.
    pub fn readings(&self, t: i64) -> u64 {
        self.metrics
            .values()
            .filter_map(|m| m.get(&t))
            .map(|r| r.count)
            .max()
            .unwrap_or(0)
    }

    /// Every bucket start of `metric` in `[from, to)`.
    pub fn starts(&self, metric: MetricIdx, from: i64, to: i64) -> impl Iterator<Item = i64> + '_ {
        self.metrics
            .get(&metric)
            .into_iter()
            .flat_map(move |m| m.range(from..to).map(|(t, _)| *t))
    }
}
