//! The condition of one rule for one subject: a latch with hysteresis fed by values, rates or
//! the age of the last observation. Pure; the clock is an argument.

use std::collections::VecDeque;
use std::sync::Arc;

use super::rule::{Condition, Levels};
use super::{Alert, Observation};

/// Samples kept per rate window, whatever the window: bounds memory for chatty signals.
const MAX_RATE_SAMPLES: usize = 4096;

/// What the engine knows about one (rule, subject) between observations.
#[derive(Debug, Clone)]
pub(super) struct Eval {
    /// Context shared with the first observation (no copy per subject), for alerts opened on
    /// a tick.
    pub domain: Arc<str>,
    pub district: Option<Arc<str>>,
    /// When the condition started to hold; `None` while it does not.
    since_ms: Option<i64>,
    /// The latest value compared (the value, the rate per minute, or seconds without data).
    pub value: f64,
    /// Engine time of the latest observation of the rule's signal for this subject.
    last_obs_ms: Option<i64>,
    /// (source time, value), oldest first: only for rate rules.
    samples: VecDeque<(i64, f64)>,
}

impl Eval {
    pub fn new(obs: &Observation) -> Eval {
        Eval {
            domain: obs.domain.clone(),
            district: obs.district.clone(),
            since_ms: None,
            value: obs.value,
            last_obs_ms: None,
            samples: VecDeque::new(),
        }
    }

    /// The state of an alert loaded at start: its condition held when it was saved.
    pub fn resumed(alert: &Alert) -> Eval {
        Eval {
            domain: alert.domain.as_str().into(),
            district: alert.district.as_deref().map(Into::into),
            since_ms: Some(alert.opened_ms),
            value: alert.value,
            last_obs_ms: None,
            samples: VecDeque::new(),
        }
    }

    /// When the condition started to hold, if it holds.
    pub fn holds_since(&self) -> Option<i64> {
        self.since_ms
    }

    /// Feeds one observation of the rule's signal.
    pub fn observe(&mut self, cond: &Condition, value: f64, ts_ms: i64, now_ms: i64) {
        self.last_obs_ms = Some(now_ms);
        match cond {
            Condition::Threshold { levels } => self.feed(levels, value, now_ms),
            Condition::Rate { levels, window_ms } => {
                if let Some(rate) = self.push_sample(ts_ms, value, *window_ms) {
                    self.feed(levels, rate, now_ms);
                }
            }
            Condition::Staleness { .. } => {
                self.value = 0.0;
                self.since_ms = None;
            }
        }
    }

    /// Advances a staleness condition to `now_ms`. `last_seen` is when the subject last
    /// produced data according to the caller; the later of it and our own last observation
    /// counts. With neither known the condition keeps its state.
    pub fn tick(&mut self, cond: &Condition, now_ms: i64, last_seen: Option<i64>) {
        let Condition::Staleness { after_ms } = cond else {
            return;
        };
        let Some(last) = last_seen.max(self.last_obs_ms) else {
            return;
        };
        let age = now_ms - last;
        if age >= *after_ms {
            self.value = age as f64 / 1000.0;
            self.since_ms.get_or_insert(last + after_ms);
        } else {
            self.value = age.max(0) as f64 / 1000.0;
            self.since_ms = None;
        }
    }

    fn feed(&mut self, levels: &Levels, x: f64, now_ms: i64) {
        self.value = x;
        match self.since_ms {
            None if levels.raises(x) => self.since_ms = Some(now_ms),
            Some(_) if levels.clears(x) => self.since_ms = None,
            _ => {}
        }
    }

    /// Adds a sample and returns the change per minute over the window, once the samples span
    /// at least half of it. Samples older than the newest one are ignored.
    fn push_sample(&mut self, ts_ms: i64, value: f64, window_ms: i64) -> Option<f64> {
        if self.samples.back().is_some_and(|&(t, _)| ts_ms <= t) {
            return None;
        }
        self.samples.push_back((ts_ms, value));
        while self
            .samples
            .front()
            .is_some_and(|&(t, _)| t < ts_ms - window_ms)
            || self.samples.len() > MAX_RATE_SAMPLES
        {
            self.samples.pop_front();
        }
        let &(t0, v0) = self.samples.front()?;
        let span = ts_ms - t0;
        (span > 0 && span * 2 >= window_ms).then(|| (value - v0) / (span as f64 / 60_000.0))
    }
}
