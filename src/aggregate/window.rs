//! Rolling windows of count / mean / min / max over event time.
//!
//! A window is a ring of `BUCKETS` buckets, each `span / BUCKETS` long, tagged with the slot it
//! holds. Recording is O(1); a summary merges the buckets whose slot lies inside the window,
//! so the window edge moves in steps of one bucket (1 s for the 1-minute window).

use serde::Serialize;

const BUCKETS: usize = 60;

/// The four windows the control room watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    OneMinute,
    FiveMinutes,
    FifteenMinutes,
    OneHour,
}

impl Span {
    pub const ALL: [Span; 4] = [
        Span::OneMinute,
        Span::FiveMinutes,
        Span::FifteenMinutes,
        Span::OneHour,
    ];

    pub fn millis(self) -> i64 {
        match self {
            Span::OneMinute => 60_000,
            Span::FiveMinutes => 300_000,
            Span::FifteenMinutes => 900_000,
            Span::OneHour => 3_600_000,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Span::OneMinute => "1m",
            Span::FiveMinutes => "5m",
            Span::FifteenMinutes => "15m",
            Span::OneHour => "1h",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    slot: i64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

const EMPTY: Bucket = Bucket {
    slot: i64::MIN,
    count: 0,
    sum: 0.0,
    min: f64::INFINITY,
    max: f64::NEG_INFINITY,
};

/// Count, mean, min and max of the values inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowSummary {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone)]
pub struct RollingWindow {
    bucket_ms: i64,
    buckets: [Bucket; BUCKETS],
}

impl RollingWindow {
    pub fn new(span: Span) -> Self {
        RollingWindow {
            bucket_ms: span.millis() / BUCKETS as i64,
            buckets: [EMPTY; BUCKETS],
        }
    }

    /// Adds a value observed at `ts_ms`. A value older than what its bucket already holds
    /// (i.e. older than the window) is ignored.
    pub fn record(&mut self, ts_ms: i64, value: f64) {
        let slot = ts_ms.div_euclid(self.bucket_ms);
        let b = &mut self.buckets[slot.rem_euclid(BUCKETS as i64) as usize];
        if b.slot < slot {
            *b = Bucket { slot, ..EMPTY };
        } else if b.slot > slot {
            return;
        }
        b.count += 1;
        b.sum += value;
        b.min = b.min.min(value);
        b.max = b.max.max(value);
    }

    /// The summary of values with timestamps inside the window ending at `now_ms`, or `None`
    /// when there are none.
    pub fn summary(&self, now_ms: i64) -> Option<WindowSummary> {
        let newest = now_ms.div_euclid(self.bucket_ms);
        let oldest = newest - BUCKETS as i64 + 1;
        let mut acc = Bucket {
            slot: newest,
            ..EMPTY
        };
        for b in self
            .buckets
            .iter()
            .filter(|b| (oldest..=newest).contains(&b.slot))
        {
            acc.count += b.count;
            acc.sum += b.sum;
            acc.min = acc.min.min(b.min);
            acc.max = acc.max.max(b.max);
        }
        (acc.count > 0).then(|| WindowSummary {
            count: acc.count,
            mean: acc.sum / acc.count as f64,
            min: acc.min,
            max: acc.max,
        })
    }
}

/// The four rolling windows of one aggregate, plus the newest timestamp it has seen.
#[derive(Debug, Clone)]
pub struct WindowSet {
    windows: [RollingWindow; 4],
    /// Newest source timestamp recorded: the `as_of` of this aggregate.
    pub newest_ts_ms: Option<i64>,
}

impl Default for WindowSet {
    fn default() -> Self {
        WindowSet {
            windows: Span::ALL.map(RollingWindow::new),
            newest_ts_ms: None,
        }
    }
}

impl WindowSet {
    pub fn record(&mut self, ts_ms: i64, value: f64) {
        for w in &mut self.windows {
            w.record(ts_ms, value);
        }
        self.newest_ts_ms = Some(self.newest_ts_ms.map_or(ts_ms, |t| t.max(ts_ms)));
    }

    pub fn summary(&self, span: Span, now_ms: i64) -> Option<WindowSummary> {
        let i = Span::ALL.iter().position(|s| *s == span).unwrap_or(0);
        self.windows[i].summary(now_ms)
    }
}
