//! The incremental snapshot against a full recomputation, and the `as_of` rule. The clock is
//! an argument: these tests move it by hand.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::Value;

use super::fixture::{demo_city as city, live, message, params};
use super::{Builder, Snapshot};
use crate::aggregate::LiveState;
use crate::indicators::compute;
use crate::model::City;

const T0: i64 = 1_763_880_000_000;

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    /// A message from sensor `sensor % n`: every metric of its domain, stamped `skew_s` off its
    /// receive time (late data when negative, a clock running ahead when positive).
    Message {
        sensor: usize,
        skew_s: i64,
        value: f64,
        seq: u64,
    },
    /// The store found `n` readings of the sensor already stored.
    Duplicates { sensor: usize, n: u64 },
    /// The clock moves on (long gaps turn sensors late, then offline).
    Wait { s: i64 },
    /// The incremental snapshot ticks, and is compared with a full one.
    Tick,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..400usize, -900..120i64, 0.0..300.0f64, 0..50u64)
            .prop_map(|(sensor, skew_s, value, seq)| Step::Message { sensor, skew_s, value, seq }),
        1 => (0..400usize, 1..3u64).prop_map(|(sensor, n)| Step::Duplicates { sensor, n }),
        2 => prop_oneof![1..30i64, 60..1200i64, 3000..5000i64].prop_map(|s| Step::Wait { s }),
        2 => Just(Step::Tick),
    ]
}

/// The same picture built from nothing at `now`: every sensor recomputed.
fn full(city: &Arc<City>, live: &LiveState, now: i64) -> Snapshot {
    let mut b = Builder::new(city.clone(), params());
    let reading = b.read(live, Vec::new(), now);
    b.build(reading, now)
}

fn assert_same(inc: &Snapshot, full: &Snapshot) {
    let a: Vec<_> = inc.entries().collect();
    let b: Vec<_> = full.entries().collect();
    assert_eq!(a, b, "every sensor's entry");
    for (d, (x, y)) in inc.cells.iter().zip(&full.cells).enumerate() {
        assert_eq!(x, y, "district {d}'s partials");
    }
    assert_eq!(inc.areas(), full.areas(), "every area");
}

/// Equal as JSON, numbers within a relative 1e-9 (sums may associate differently).
fn assert_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                "{path}: {x} != {y}"
            );
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y), "{path}: keys");
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_close(v, w, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

fn run(steps: &[Step]) {
    run_in(&city(), steps)
}

fn run_in(city: &Arc<City>, steps: &[Step]) {
    let city = city.clone();
    let mut live = live(&city);
    let mut inc = Builder::new(city.clone(), params());
    let mut now = T0;
    for step in steps.iter().chain([&Step::Tick]) {
        match *step {
            Step::Message {
                sensor,
                skew_s,
                value,
                seq,
            } => live.apply(
                &message(&city, sensor, now + skew_s * 1000, value, seq),
                now,
            ),
            Step::Duplicates { sensor, n } => {
                live.note_duplicates(&city.sensors[sensor % city.sensors.len()].id, n)
            }
            Step::Wait { s } => now += s * 1000,
            Step::Tick => {
                let dirty = live.take_dirty();
                let reading = inc.read(&live, dirty, now);
                let snap = inc.build(reading, now);
                assert_same(&snap, &full(&city, &live, now));
                let reference = compute(&city, &live.sensor_inputs(now), &params(), now);
                let json = |v: &dyn erased::Json| v.json();
                assert_close(&json(snap.areas()), &json(&reference.areas), "areas");
            }
        }
    }
}

/// Serialises for comparison.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_incremental_snapshot_equals_a_full_recomputation(
        steps in proptest::collection::vec(step(), 1..120)
    ) {
        run(&steps);
    }
}

/// The demo city with every sensor repeated `factor` times (ids suffixed `-xK`).
fn scaled(factor: usize) -> Arc<City> {
    let mut config = crate::model::CityConfig::demo().expect("demo");
    let base = config.sensors.clone();
    config.sensors = (0..base.len() * factor)
        .map(|i| {
            let mut s = base[i % base.len()].clone();
            if i >= base.len() {
                s.id = format!("{}-x{}", s.id, i / base.len() + 1);
            }
            s
        })
        .collect();
    Arc::new(City::from_config(&config).expect("valid"))
}

#[test]
fn a_city_with_districts_of_many_blocks_and_groups_equals_a_full_recomputation() {
    // 60 × 288 sensors: 1,440 per district, 45 blocks of 32 in two groups.
    let city = scaled(60);
    let n = city.sensors.len();
    let mut steps = Vec::new();
    for round in 0..6usize {
        for k in 0..300usize {
            let sensor = (k * 7919 + round * 104_729) % n;
            let skew_s = [-5, 0, 30, -600][k % 4];
            steps.push(Step::Message {
                sensor,
                skew_s,
                value: (k % 90) as f64,
                seq: round as u64,
            });
        }
        steps.push(Step::Wait {
            s: [1, 90, 400, 3_700, 2, 30][round],
        });
        steps.push(Step::Tick);
    }
    run_in(&city, &steps);
}

#[test]
fn a_quiet_city_recomputes_nothing_and_a_reading_recomputes_one_sensor() {
    let city = city();
    let live = Arc::new(std::sync::RwLock::new(live(&city)));
    let mut b = Builder::new(city.clone(), params());
    let first = b.tick(&live, T0);
    assert_eq!(
        first.changes.recomputed,
        city.sensors.len(),
        "the first tick sees everyone"
    );
    assert_eq!(b.tick(&live, T0 + 250).changes.recomputed, 0);
    let readings = message(&city, 7, T0 + 400, 12.0, 1);
    crate::shell::lock::write(&live).apply(&readings, T0 + 400);
    let snap = b.tick(&live, T0 + 500);
    assert_eq!((snap.changes.recomputed, snap.changes.dirty), (1, 1));
    assert_eq!(snap.changes.statuses, [7], "never seen → online");
}

#[test]
fn a_clock_running_ahead_never_makes_an_area_look_fresher_than_it_is() {
    let city = city();
    let live = Arc::new(std::sync::RwLock::new(live(&city)));
    let mut b = Builder::new(city.clone(), params());
    let received = T0 + 1_000;
    for sensor in 0..city.sensors.len() {
        // Every sensor's clock runs ten minutes ahead.
        let readings = message(&city, sensor, received + 600_000, 30.0, 1);
        crate::shell::lock::write(&live).apply(&readings, received);
    }
    let snap = b.tick(&live, received + 5);
    let areas = serde_json::to_value(snap.areas()).unwrap_or_default();
    let mut as_ofs = Vec::new();
    collect_as_of(&areas, &mut as_ofs);
    let windows = serde_json::to_value(&*snap.windows).unwrap_or_default();
    collect_as_of(&windows, &mut as_ofs);
    for e in snap.entries() {
        let part = &e.part;
        as_ofs.extend(part.road.as_ref().and_then(|r| r.as_of));
        as_ofs.extend(part.station.as_ref().and_then(|s| s.as_of));
        as_ofs.extend(part.centre.as_ref().and_then(|c| c.as_of));
        as_ofs.extend(part.water.as_ref().map(|w| w.as_of));
    }
    let kpi = snap.kpi(snap.areas(), Default::default(), |_, _| true);
    as_ofs.extend(kpi.as_of);
    assert!(
        as_ofs.len() > city.sensors.len(),
        "as_of found: {}",
        as_ofs.len()
    );
    assert!(
        as_ofs.iter().all(|t| *t <= received),
        "every as_of is at most the receive time {received}: {:?}",
        as_ofs
            .iter()
            .filter(|t| **t > received)
            .take(3)
            .collect::<Vec<_>>()
    );
    assert!(kpi.as_of <= Some(snap.generated_at));
}

fn collect_as_of(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x.as_i64()) {
                    ("as_of", Some(t)) => out.push(t),
                    _ => collect_as_of(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_as_of(x, out)),
        _ => {}
    }
}
