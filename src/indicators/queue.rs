//! Public-service queues: people waiting, average wait, estimated wait for a newcomer, SLA
//! (share served within the target wait) and counters open, per centre, pooled per district
//! and city. Pure.

use serde::{Deserialize, Serialize};

use super::traffic::Mean;

/// What one centre reported lately.
#[derive(Debug, Clone, Copy, Default)]
pub struct CentreSample {
    pub waiting: Option<f64>,
    pub avg_wait_s: Option<f64>,
    /// People served in the last 5 minutes (latest report).
    pub served_last_5m: Option<f64>,
    pub counters_open: Option<f64>,
    /// People served in the last hour, and of those within the target wait.
    pub served_last_hour: f64,
    pub served_within_target: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Queue {
    pub centres: usize,
    pub waiting: Option<f64>,
    pub avg_wait_s: Option<f64>,
    /// How long someone arriving now would wait: people waiting / recent service rate.
    pub est_wait_newcomer_s: Option<f64>,
    /// Share (0..1) of the last hour's served people whose centre's average wait was within
    /// its target when they were served; `None` when nobody was served.
    pub sla: Option<f64>,
    pub counters_open: Option<f64>,
    #[serde(skip)]
    served_last_hour: f64,
    #[serde(skip)]
    served_within_target: f64,
}

pub fn centre(s: &CentreSample) -> Queue {
    let rate_per_s = s.served_last_5m.filter(|v| *v > 0.0).map(|v| v / 300.0);
    Queue {
        centres: usize::from(s.waiting.is_some() || s.avg_wait_s.is_some()),
        waiting: s.waiting,
        avg_wait_s: s.avg_wait_s,
        est_wait_newcomer_s: match (s.waiting, rate_per_s) {
            (Some(w), Some(r)) => Some(w / r),
            (Some(0.0), None) => Some(0.0),
            _ => None,
        },
        sla: (s.served_last_hour > 0.0).then(|| s.served_within_target / s.served_last_hour),
        counters_open: s.counters_open,
        served_last_hour: s.served_last_hour,
        served_within_target: s.served_within_target,
    }
}

/// Waiting people and counters add up; waits are means over centres; the SLA pools people.
/// Centres pooled so far: sums and counts that merge in any grouping (see `TrafficSum`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueSum {
    /// Centre items pooled.
    pub items: usize,
    centres: usize,
    waiting: Option<f64>,
    counters_open: Option<f64>,
    wait: Mean,
    est: Mean,
    served_last_hour: f64,
    served_within_target: f64,
    /// Newest `as_of` of the centres pooled.
    pub as_of: Option<i64>,
}

fn add_opt(acc: &mut Option<f64>, v: Option<f64>) {
    if let Some(v) = v {
        *acc = Some(acc.unwrap_or(0.0) + v);
    }
}

impl QueueSum {
    pub fn add(&mut self, c: &Queue, as_of: Option<i64>) {
        self.items += 1;
        self.centres += c.centres;
        add_opt(&mut self.waiting, c.waiting);
        add_opt(&mut self.counters_open, c.counters_open);
        self.wait.add(c.avg_wait_s);
        self.est.add(c.est_wait_newcomer_s);
        self.served_last_hour += c.served_last_hour;
        self.served_within_target += c.served_within_target;
        self.as_of = self.as_of.max(as_of);
    }

    pub fn merge(&mut self, o: &QueueSum) {
        self.items += o.items;
        self.centres += o.centres;
        add_opt(&mut self.waiting, o.waiting);
        add_opt(&mut self.counters_open, o.counters_open);
        self.wait.merge(&o.wait);
        self.est.merge(&o.est);
        self.served_last_hour += o.served_last_hour;
        self.served_within_target += o.served_within_target;
        self.as_of = self.as_of.max(o.as_of);
    }

    /// Every count at most `max` (a peer's summary is checked before it is merged).
    pub(super) fn within(&self, max: usize) -> bool {
        [self.items, self.centres, self.wait.n, self.est.n]
            .iter()
            .all(|n| *n <= max)
    }

    pub fn finish(&self) -> Queue {
        Queue {
            centres: self.centres,
            waiting: self.waiting,
            avg_wait_s: self.wait.get(),
            est_wait_newcomer_s: self.est.get(),
            sla: (self.served_last_hour > 0.0)
                .then(|| self.served_within_target / self.served_last_hour),
            counters_open: self.counters_open,
            served_last_hour: self.served_last_hour,
            served_within_target: self.served_within_target,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newcomer_waits_for_everyone_ahead_at_the_recent_service_rate() {
        let q = centre(&CentreSample {
            waiting: Some(20.0),
            served_last_5m: Some(10.0),
            served_last_hour: 100.0,
            served_within_target: 75.0,
            ..CentreSample::default()
        });
        assert_eq!(
            q.est_wait_newcomer_s,
            Some(600.0),
            "20 people at 2 per minute"
        );
        assert_eq!(q.sla, Some(0.75));
        let idle = centre(&CentreSample {
            waiting: Some(3.0),
            served_last_5m: Some(0.0),
            ..CentreSample::default()
        });
        assert_eq!(
            (idle.est_wait_newcomer_s, idle.sla),
            (None, None),
            "nobody is being served"
        );
    }

    #[test]
    fn pooling_adds_people_and_counters_and_pools_the_sla_by_people() {
        let a = centre(&CentreSample {
            waiting: Some(10.0),
            avg_wait_s: Some(300.0),
            counters_open: Some(2.0),
            served_last_hour: 90.0,
            served_within_target: 90.0,
            ..CentreSample::default()
        });
        let b = centre(&CentreSample {
            waiting: Some(30.0),
            avg_wait_s: Some(1500.0),
            counters_open: Some(1.0),
            served_last_hour: 10.0,
            served_within_target: 0.0,
            ..CentreSample::default()
        });
        let (mut left, mut right) = (QueueSum::default(), QueueSum::default());
        left.add(&a, None);
        right.add(&b, None);
        left.merge(&right);
        let p = left.finish();
        assert_eq!(
            (p.centres, p.waiting, p.counters_open, p.avg_wait_s),
            (2, Some(40.0), Some(3.0), Some(900.0))
        );
        assert_eq!(p.sla, Some(0.9));
    }
}
