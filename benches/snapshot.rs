//! The snapshot's cost model: tick time against city size, and against the number of sensors
//! changed per tick; memory per sensor, idle and reporting. A program that prints numbers
//! (never a timed assertion).
//!
//!   cargo bench --bench snapshot                      # 288, 2,880, 28,800, 100k, 1M sensors
//!   cargo bench --bench snapshot -- --sizes 288,100000 --ticks 40
//!
//! Each city is the demo city with every sensor repeated (ids suffixed `-xK`): same 12
//! districts, domains and intervals. Every sensor first reports once (all online), then each
//! tick advances the clock 250 ms, applies one message from each of `changed` random sensors
//! (every metric of its domain), and ticks; sensors also come due by time (values leaving
//! their windows), as in a running city.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use ioc::aggregate::{LiveState, SharedLive, StatusThresholds};
use ioc::indicators::traffic::CongestionThresholds;
use ioc::indicators::IndicatorParams;
use ioc::model::{City, CityConfig, Reading};
use ioc::snapshot::Builder;

const T0: i64 = 1_763_880_000_000;
const TICK_MS: i64 = 250;

struct Args {
    sizes: Vec<usize>,
    changed: Vec<usize>,
    ticks: usize,
}

fn args() -> Args {
    let mut a = Args {
        sizes: vec![288, 2_880, 28_800, 100_000, 1_000_000],
        changed: vec![0, 10, 100, 1_000, 1_750, 10_000],
        ticks: 40,
    };
    let argv: Vec<String> = std::env::args().collect();
    let list = |v: &str| v.split(',').filter_map(|x| x.trim().parse().ok()).collect();
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--sizes" => a.sizes = list(&w[1]),
            "--changed" => a.changed = list(&w[1]),
            "--ticks" => a.ticks = w[1].parse().unwrap_or(a.ticks),
            _ => {}
        }
    }
    a
}

fn city(sensors: usize) -> City {
    let mut config = CityConfig::demo().expect("the demo city parses");
    let base = config.sensors.clone();
    config.sensors = (0..sensors)
        .map(|i| {
            let mut s = base[i % base.len()].clone();
            if i >= base.len() {
                s.id = format!("{}-x{}", s.id, i / base.len() + 1);
            }
            s
        })
        .collect();
    City::from_config(&config).expect("the scaled city is valid")
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn message(city: &City, i: usize, ts: i64, seq: u64) -> Vec<Reading> {
    let s = &city.sensors[i];
    city.domain(s.domain)
        .metrics
        .iter()
        .map(|m| {
            let metric = city.metric(*m);
            Reading {
                sensor: s.id.clone(),
                registered: true,
                domain: s.domain,
                district: s.district,
                metric: *m,
                ts_ms: ts,
                ts_received: false,
                seq: Some(seq),
                value: (metric.min + metric.max) / 2.0 + (i % 7) as f64,
            }
        })
        .collect()
}

fn params() -> IndicatorParams {
    IndicatorParams {
        congestion: CongestionThresholds {
            moderate: 0.3,
            heavy: 0.6,
            jammed: 0.8,
        },
        default_free_flow_kmh: 40.0,
    }
}

/// A small xorshift: the bench needs spread, not quality.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

fn main() {
    let a = args();
    println!(
        "snapshot cost model: {} ticks of {TICK_MS} ms per row",
        a.ticks
    );
    println!(
        "| sensors | changed/tick | recomputed/tick | tick p50 | tick p99 | first (full) tick | idle B/sensor | reporting B/sensor |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &n in &a.sizes {
        let before = rss_bytes();
        let city = Arc::new(city(n));
        let t = StatusThresholds {
            late_after_intervals: 3,
            offline_after_intervals: 10,
        };
        let live: SharedLive = Arc::new(RwLock::new(LiveState::new(city.clone(), t, 900.0)));
        let mut b = Builder::new(city.clone(), params());
        let started = Instant::now();
        let first = b.tick(&live, T0);
        let full_ms = started.elapsed().as_secs_f64() * 1e3;
        drop(first);
        let idle = rss_bytes().saturating_sub(before) as f64 / n as f64;
        {
            let mut l = live.write().expect("live");
            for i in 0..n {
                l.apply(&message(&city, i, T0, 1), T0);
            }
        }
        let mut now = T0 + TICK_MS;
        drop(b.tick(&live, now));
        let reporting = rss_bytes().saturating_sub(before) as f64 / n as f64;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut seq = 2;
        for &k in a.changed.iter().filter(|k| **k <= n) {
            let mut times = Vec::with_capacity(a.ticks);
            let mut recomputed = 0;
            for _ in 0..a.ticks {
                now += TICK_MS;
                seq += 1;
                {
                    let mut l = live.write().expect("live");
                    for _ in 0..k {
                        l.apply(&message(&city, rng.below(n), now, seq), now);
                    }
                }
                let started = Instant::now();
                let snap = b.tick(&live, now);
                times.push(started.elapsed().as_secs_f64() * 1e3);
                recomputed += snap.changes.recomputed;
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {n} | {k} | {} | {:.2} ms | {:.2} ms | {full_ms:.0} ms | {idle:.0} | {reporting:.0} |",
                recomputed / a.ticks,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
            );
        }
    }
}
