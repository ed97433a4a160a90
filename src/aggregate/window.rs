//! Rolling windows of count / mean / min / max over event time.
//!
//! A window is a ring of buckets, each `span / buckets` long, tagged with the slot it holds.
//! Recording is O(1); a summary merges the buckets whose slot lies inside the window, so the
//! window edge moves in steps of one bucket. District and city windows have `BUCKETS` (1 s
//! for the 1-minute window) of count, sum, min and max ([`RollingWindow`]); a sensor's own
//! windows keep count and sum ([`SumWindow`]) and are sized by its reporting interval
//! ([`Ring::sized`]), 5 to 12 buckets, so a sensor does not carry 60 buckets per metric.

use serde::Serialize;

const BUCKETS: usize = 60;
/// The fewest buckets a sensor's own window has.
const MIN_BUCKETS: usize = 5;
/// The most buckets a sensor's own window has: a 5-minute window's edge moves in steps of
/// 25 s at most, the queue SLA's hour in steps of 5 minutes. At 100,000 sensors, one bucket per
/// report (up to 60) held about 90 MiB of windows (heaptrack; docs/performance.md).
const SENSOR_MAX_BUCKETS: usize = 12;

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

/// A bucket of a [`Ring`]: the values recorded in one slot of time.
pub trait Slotted: Copy {
    /// A bucket that holds nothing.
    const EMPTY: Self;
    /// An empty bucket for `slot`; `None` when this bucket type cannot hold that slot.
    fn start(slot: i64) -> Option<Self>;
    /// The slot held; `i64::MIN` when never used.
    fn slot(&self) -> i64;
    fn count(&self) -> u64;
    fn add(&mut self, value: f64);
}

/// Count, sum, min and max: the buckets of district and city windows, which the dashboard
/// shows with their range.
#[derive(Debug, Clone, Copy)]
pub struct Full {
    slot: i64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Slotted for Full {
    const EMPTY: Self = Full {
        slot: i64::MIN,
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
    fn start(slot: i64) -> Option<Self> {
        Some(Full {
            slot,
            ..Self::EMPTY
        })
    }
    fn slot(&self) -> i64 {
        self.slot
    }
    fn count(&self) -> u64 {
        self.count
    }
    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }
}

/// Count and sum in 16 bytes (a [`Full`] bucket takes 40): a sensor's own windows, whose
/// mean (the 5-minute means) or sum (the queue SLA) is all the indicators read. Slots are
/// bucket numbers since the epoch: in 32 bits, buckets of 5 s (the shortest a sensor's window
/// has) reach the year 2310; a value stamped beyond that is ignored.
#[derive(Debug, Clone, Copy)]
pub struct Sum {
    slot: i32,
    count: u32,
    sum: f64,
}

impl Slotted for Sum {
    const EMPTY: Self = Sum {
        slot: 0,
        count: 0,
        sum: 0.0,
    };
    fn start(slot: i64) -> Option<Self> {
        Some(Sum {
            slot: i32::try_from(slot).ok()?,
            ..Self::EMPTY
        })
    }
    fn slot(&self) -> i64 {
        if self.count == 0 {
            i64::MIN
        } else {
            i64::from(self.slot)
        }
    }
    fn count(&self) -> u64 {
        u64::from(self.count)
    }
    fn add(&mut self, value: f64) {
        self.count = self.count.saturating_add(1);
        self.sum += value;
    }
}

/// Count, mean, min and max of the values inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowSummary {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// A ring of buckets, each `span / buckets` long, tagged with the slot it holds.
#[derive(Debug, Clone)]
pub struct Ring<B> {
    bucket_ms: i64,
    buckets: Box<[B]>,
}

/// The windows of districts and the city: count, mean, min and max.
pub type RollingWindow = Ring<Full>;
/// A sensor's own windows: count and sum.
pub type SumWindow = Ring<Sum>;

impl<B: Slotted> Ring<B> {
    pub fn new(span: Span) -> Self {
        Self::with_buckets(span, BUCKETS)
    }

    /// A window for a sensor reporting every `interval_ms`: about one bucket per report, between
    /// 5 and 12 buckets, so its edge moves in steps of about one interval, or of a twelfth of
    /// the window for a sensor reporting faster.
    pub fn sized(span: Span, interval_ms: i64) -> Self {
        let n = span.millis() / interval_ms.max(1);
        Self::with_buckets(span, (n as usize).clamp(MIN_BUCKETS, SENSOR_MAX_BUCKETS))
    }

    fn with_buckets(span: Span, n: usize) -> Self {
        Ring {
            bucket_ms: span.millis() / n as i64,
            buckets: vec![B::EMPTY; n].into_boxed_slice(),
        }
    }

    fn len(&self) -> i64 {
        self.buckets.len() as i64
    }

    /// The buckets holding values, with their slots.
    fn used(&self) -> impl Iterator<Item = &B> {
        self.buckets.iter().filter(|b| b.count() > 0)
    }

    /// The buckets inside the window ending at `now_ms`.
    fn inside(&self, now_ms: i64) -> impl Iterator<Item = &B> {
        let newest = now_ms.div_euclid(self.bucket_ms);
        let oldest = newest - self.len() + 1;
        self.used()
            .filter(move |b| (oldest..=newest).contains(&b.slot()))
    }

    /// The first time after `now_ms` at which the window can answer differently without a new
    /// record: a bucket leaves the window, or a bucket stamped in the future (a sensor whose
    /// clock runs ahead) enters it. `None` when nothing will change.
    pub fn next_change(&self, now_ms: i64) -> Option<i64> {
        let newest = now_ms.div_euclid(self.bucket_ms);
        let oldest = newest - self.len() + 1;
        self.used()
            .filter_map(|b| match b.slot() {
                s if s > newest => Some(s * self.bucket_ms),
                s if s >= oldest => Some((s + self.len()) * self.bucket_ms),
                _ => None,
            })
            .min()
    }

    /// Adds a value observed at `ts_ms`. A value older than what its bucket already holds
    /// (i.e. older than the window) is ignored.
    pub fn record(&mut self, ts_ms: i64, value: f64) {
        let slot = ts_ms.div_euclid(self.bucket_ms);
        let n = self.len();
        let b = &mut self.buckets[slot.rem_euclid(n) as usize];
        if b.slot() < slot {
            match B::start(slot) {
                Some(fresh) => *b = fresh,
                None => return,
            }
        } else if b.slot() > slot {
            return;
        }
        b.add(value);
    }
}

impl Ring<Full> {
    /// The summary of values with timestamps inside the window ending at `now_ms`, or `None`
    /// when there are none.
    pub fn summary(&self, now_ms: i64) -> Option<WindowSummary> {
        let mut acc = Full::start(0)?;
        for b in self.inside(now_ms) {
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

impl Ring<Sum> {
    /// The sum of the values inside the window ending at `now_ms` (0 when there are none).
    pub fn sum(&self, now_ms: i64) -> f64 {
        self.inside(now_ms).map(|b| b.sum).sum()
    }

    /// Their mean, or `None` when there are none.
    pub fn mean(&self, now_ms: i64) -> Option<f64> {
        let (count, sum) = self
            .inside(now_ms)
            .fold((0u64, 0.0), |(c, s), b| (c + u64::from(b.count), s + b.sum));
        (count > 0).then(|| sum / count as f64)
    }
}

/// The four rolling windows of one aggregate, plus the newest timestamp it has seen.
#[derive(Debug, Clone)]
pub struct WindowSet {
    windows: [RollingWindow; 4],
    /// The `as_of` of this aggregate: the newest source timestamp recorded, each capped at the
    /// time its reading was received, so a sensor whose clock runs ahead never makes the
    /// aggregate look fresher than it is.
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
    /// Records a value stamped `ts_ms` whose reading was received at `received_ms`.
    pub fn record(&mut self, ts_ms: i64, received_ms: i64, value: f64) {
        for w in &mut self.windows {
            w.record(ts_ms, value);
        }
        let as_of = ts_ms.min(received_ms);
        self.newest_ts_ms = Some(self.newest_ts_ms.map_or(as_of, |t| t.max(as_of)));
    }

    pub fn summary(&self, span: Span, now_ms: i64) -> Option<WindowSummary> {
        let i = Span::ALL.iter().position(|s| *s == span).unwrap_or(0);
        self.windows[i].summary(now_ms)
    }
}

/// Counts per minute over the last hour, by receive time: a sensor's messages, for data
/// completeness. 60 counters and the newest minute, where a [`RollingWindow`] would hold 60
/// full buckets.
#[derive(Debug, Clone)]
pub struct CountWindow {
    newest: i64,
    /// Per minute, saturating at 65,535 (a sensor sending more per minute is counted as that).
    counts: [u16; COUNT_SLOTS],
}

const COUNT_SLOTS: usize = 60;
const COUNT_SLOT_MS: i64 = 60_000;

impl Default for CountWindow {
    fn default() -> Self {
        CountWindow {
            newest: i64::MIN,
            counts: [0; COUNT_SLOTS],
        }
    }
}

impl CountWindow {
    pub fn record(&mut self, at_ms: i64) {
        let slot = at_ms.div_euclid(COUNT_SLOT_MS);
        if self.newest == i64::MIN || slot > self.newest {
            let cleared = if self.newest == i64::MIN {
                COUNT_SLOTS as i64
            } else {
                (slot - self.newest).min(COUNT_SLOTS as i64)
            };
            for k in 0..cleared {
                self.counts[(slot - k).rem_euclid(COUNT_SLOTS as i64) as usize] = 0;
            }
            self.newest = slot;
        } else if slot <= self.newest - COUNT_SLOTS as i64 {
            return;
        }
        let c = &mut self.counts[slot.rem_euclid(COUNT_SLOTS as i64) as usize];
        *c = c.saturating_add(1);
    }

    /// Messages counted in the hour ending at `now_ms`.
    pub fn count(&self, now_ms: i64) -> u64 {
        if self.newest == i64::MIN {
            return 0;
        }
        let now = now_ms.div_euclid(COUNT_SLOT_MS);
        (0..COUNT_SLOTS as i64)
            .map(|k| self.newest - k)
            .filter(|s| *s <= now && *s > now - COUNT_SLOTS as i64)
            .map(|s| u64::from(self.counts[s.rem_euclid(COUNT_SLOTS as i64) as usize]))
            .sum()
    }

    /// The first time after `now_ms` at which [`count`](Self::count) falls without a new record.
    pub fn next_change(&self, now_ms: i64) -> Option<i64> {
        if self.newest == i64::MIN {
            return None;
        }
        let now = now_ms.div_euclid(COUNT_SLOT_MS);
        (0..COUNT_SLOTS as i64)
            .map(|k| self.newest - k)
            .filter(|s| self.counts[s.rem_euclid(COUNT_SLOTS as i64) as usize] > 0)
            .filter_map(|s| match s {
                s if s > now => Some(s * COUNT_SLOT_MS),
                s if s > now - COUNT_SLOTS as i64 => Some((s + COUNT_SLOTS as i64) * COUNT_SLOT_MS),
                _ => None,
            })
            .min()
    }
}
