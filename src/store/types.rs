use serde::Serialize;

use crate::model::{DistrictIdx, DomainIdx, MetricIdx};

/// How values are combined inside one step of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    Mean,
    Min,
    Max,
    Sum,
    Count,
    Last,
}

impl Agg {
    pub fn parse(s: &str) -> Option<Agg> {
        Some(match s {
            "mean" | "avg" => Agg::Mean,
            "min" => Agg::Min,
            "max" => Agg::Max,
            "sum" => Agg::Sum,
            "count" => Agg::Count,
            "last" => Agg::Last,
            _ => return None,
        })
    }
}

/// Whose readings a series covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Sensor(String),
    /// All sensors of a domain, in one district or (`None`) city-wide.
    Group {
        domain: DomainIdx,
        district: Option<DistrictIdx>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesQuery {
    pub scope: Scope,
    pub metric: MetricIdx,
    /// Inclusive start, unix ms.
    pub from_ms: i64,
    /// Exclusive end, unix ms.
    pub to_ms: i64,
}

/// One stored row: a raw reading (count 1) or a rollup bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub t: i64,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub last: f64,
    pub last_ts: i64,
}

impl Row {
    /// Folds `r` into this bucket exactly as the rollup upsert does: counts and sums add,
    /// extremes widen, `last` is the value with the newest source time.
    pub fn merge(&mut self, r: &Row) {
        self.count += r.count;
        self.sum += r.sum;
        self.min = self.min.min(r.min);
        self.max = self.max.max(r.max);
        if r.last_ts >= self.last_ts {
            self.last = r.last;
            self.last_ts = r.last_ts;
        }
    }

    pub fn raw(ts: i64, value: f64) -> Row {
        Row {
            t: ts,
            count: 1,
            sum: value,
            min: value,
            max: value,
            last: value,
            last_ts: ts,
        }
    }
}

/// One point of an answered series: the start of its step and the aggregated value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub t: i64,
    pub value: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteReport {
    /// Per reading of the batch: stored now (true) or a duplicate of a stored one (false).
    pub fresh: Vec<bool>,
}

impl WriteReport {
    pub fn duplicates(&self) -> usize {
        self.fresh.iter().filter(|f| !**f).count()
    }
}

/// How long each table keeps its rows.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub raw_ms: i64,
    pub rollup_1m_ms: i64,
    pub rollup_1h_ms: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub raw: usize,
    pub rollup_1m: usize,
    pub rollup_1h: usize,
}

/// One export outbox entry, in enqueue order.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    /// When it entered the outbox, unix ms: the export lag is measured from here.
    pub enqueued_ms: i64,
    pub point: OutboxPoint,
}

/// What one outbox entry carries to InfluxDB. The store keeps data, not a wire format:
/// `export::line_protocol` formats it.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxPoint {
    /// The fresh readings of one sensor at one source time, in arrival order.
    Readings {
        domain: String,
        district: String,
        sensor: String,
        ts_ms: i64,
        /// (metric name, value); never empty.
        fields: Vec<(String, f64)>,
    },
    /// A line of line protocol enqueued by an ioc before schema 3 (when the outbox held
    /// text); it leaves as it is.
    Line(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// False when export is not configured: nothing enters the outbox.
    pub enabled: bool,
    pub lines: u64,
    pub max_lines: u64,
    /// Lines not enqueued because the outbox was full (they stay in the local store).
    pub dropped: u64,
}

/// How far `ioc import` got in one file, committed in the transaction of the readings that
/// got it there: a resumed import starts at `offset` and never stores a reading twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportMark {
    /// The file's canonical path.
    pub file: String,
    /// The file's size and modification time when it was read: a file changed since starts
    /// over (readings already stored are then duplicates, stored once).
    pub size: u64,
    pub modified_ms: i64,
    /// Bytes and lines read and accounted for.
    pub offset: u64,
    pub lines: u64,
    pub stored: u64,
    pub duplicates: u64,
    /// The rejections so far, as the importer encodes them (JSON).
    pub rejections: String,
    pub done: bool,
}

/// Rejections of one hour (its start, unix ms), feed, district and reason. A message whose topic
/// named no known domain or district counts under `""` for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionCount {
    pub hour: i64,
    pub domain: String,
    pub district: String,
    pub reason: String,
    pub count: u64,
}
