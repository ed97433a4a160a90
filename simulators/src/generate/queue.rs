//! A public-service queue (a "one-stop shop" office): Poisson arrivals shaped by the hour,
//! only while open; counters open and close with the load; each open counter serves people
//! at the office's mean service time; the people still waiting at closing time are served.

use std::collections::VecDeque;

use super::clock::hourly;
use super::rng::Rng;
use super::world::World;
use crate::scenario::parse_span;

pub const METRICS: &[(&str, u8)] = &[
    ("waiting", 0),
    ("served_last_5m", 0),
    ("avg_wait_s", 0),
    ("counters_open", 0),
];

const FIVE_MINUTES_MS: i64 = 300_000;

#[derive(Debug, Clone)]
pub struct QueueSensor {
    arrivals_per_h: f64,
    service_s: f64,
    max_counters: u32,
    waiting: u64,
    counters_open: u32,
    /// (time, people served in the step ending then), the last five minutes.
    served: VecDeque<(i64, u64)>,
    last_t: Option<i64>,
}

impl QueueSensor {
    pub fn new(world: &World, rng: &mut Rng) -> QueueSensor {
        let spec = world.scenario.queues.clone().unwrap_or_default();
        let arrivals_per_h = rng.range(spec.arrivals_per_h);
        let service_s = rng.range(spec.service_s);
        // Offices are staffed for their peak load, some a little short of it.
        let peak_erlangs =
            arrivals_per_h * spec.hourly.iter().copied().fold(0.0, f64::max) * service_s / 3600.0;
        let [lo, hi] = spec.counters;
        QueueSensor {
            arrivals_per_h,
            service_s,
            max_counters: (peak_erlangs * rng.range([0.95, 1.3]))
                .ceil()
                .clamp(lo, hi)
                .max(1.0) as u32,
            waiting: 0,
            counters_open: 0,
            served: VecDeque::new(),
            last_t: None,
        }
    }

    pub fn sample(&mut self, world: &World, t: i64, rng: &mut Rng, out: &mut [f64]) {
        let Some(spec) = &world.scenario.queues else {
            return;
        };
        let dt_s = self.last_t.map_or(0.0, |last| (t - last) as f64 / 1000.0);
        self.last_t = Some(t);
        let local = world.local(t);
        let spans = match local.weekday {
            0..=4 => &spec.open_weekday,
            5 => &spec.open_saturday,
            _ => &spec.open_sunday,
        };
        let minute = local.minute_of_day();
        let open = spans
            .iter()
            .filter_map(|s| parse_span(s))
            .any(|(a, b)| (a..b).contains(&minute));

        let rate_per_s = if open {
            self.arrivals_per_h * hourly(&spec.hourly, local.hour) / 3600.0
        } else {
            0.0
        };
        self.waiting += rng.poisson(rate_per_s * dt_s);
        // Staff to the offered load (Erlangs) plus the backlog; change one counter at a time.
        let target = if open || self.waiting > 0 {
            let load = rate_per_s * self.service_s * 1.15 + self.waiting as f64 / 8.0;
            (load.ceil() as u32).clamp(1, self.max_counters)
        } else {
            0
        };
        self.counters_open = match target.cmp(&self.counters_open) {
            std::cmp::Ordering::Greater => self.counters_open + 1,
            std::cmp::Ordering::Less => self.counters_open - 1,
            std::cmp::Ordering::Equal => self.counters_open,
        };
        let served = rng
            .poisson(f64::from(self.counters_open) * dt_s / self.service_s)
            .min(self.waiting);
        self.waiting -= served;
        self.served.push_back((t, served));
        while self
            .served
            .front()
            .is_some_and(|(at, _)| *at <= t - FIVE_MINUTES_MS)
        {
            self.served.pop_front();
        }
        out[0] = self.waiting as f64;
        out[1] = self.served.iter().map(|(_, n)| *n).sum::<u64>() as f64;
        out[2] = self.waiting as f64 * self.service_s / f64::from(self.counters_open.max(1));
        out[3] = f64::from(self.counters_open);
    }
}
