//! Public-service queues: people waiting, average wait, estimated wait for a newcomer, SLA
//! (share served within the target wait) and counters open, per centre, pooled per district
//! and city. Pure.

use serde::Serialize;

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
pub fn pool<'a>(centres: impl IntoIterator<Item = &'a Queue>) -> Queue {
    let mut out = Queue::default();
    let (mut wait, mut est) = (Mean::default(), Mean::default());
    for c in centres {
        out.centres += c.centres;
        if let Some(w) = c.waiting {
            out.waiting = Some(out.waiting.unwrap_or(0.0) + w);
        }
        if let Some(k) = c.counters_open {
            out.counters_open = Some(out.counters_open.unwrap_or(0.0) + k);
        }
        wait.add(c.avg_wait_s);
        est.add(c.est_wait_newcomer_s);
        out.served_last_hour += c.served_last_hour;
        out.served_within_target += c.served_within_target;
    }
    out.avg_wait_s = wait.get();
    out.est_wait_newcomer_s = est.get();
    out.sla = (out.served_last_hour > 0.0).then(|| out.served_within_target / out.served_last_hour);
    out
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
        let p = pool([&a, &b]);
        assert_eq!(
            (p.centres, p.waiting, p.counters_open, p.avg_wait_s),
            (2, Some(40.0), Some(3.0), Some(900.0))
        );
        assert_eq!(p.sla, Some(0.9));
    }
}
