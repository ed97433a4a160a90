//! What the tests of the snapshot and of the layers above it share: the demo city, its live
//! state, the indicator settings, and a snapshot taken once.

use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use super::{Builder, SnapshotRx};
use crate::aggregate::{LiveState, SharedLive, StatusThresholds};
use crate::indicators::traffic::CongestionThresholds;
use crate::indicators::IndicatorParams;
use crate::model::{City, CityConfig, Reading};

pub fn demo_city() -> Arc<City> {
    let config = CityConfig::demo().expect("the demo city parses");
    Arc::new(City::from_config(&config).expect("the demo city is valid"))
}

/// Late after 2 intervals of silence, offline after 5; a 900 s SLA target by default.
pub fn live(city: &Arc<City>) -> LiveState {
    let t = StatusThresholds {
        late_after_intervals: 2,
        offline_after_intervals: 5,
    };
    LiveState::new(city.clone(), t, 900.0)
}

pub fn shared(city: &Arc<City>) -> SharedLive {
    Arc::new(RwLock::new(live(city)))
}

pub fn params() -> IndicatorParams {
    IndicatorParams {
        congestion: CongestionThresholds {
            moderate: 0.3,
            heavy: 0.6,
            jammed: 0.8,
        },
        default_free_flow_kmh: 40.0,
    }
}

/// A receiver holding one snapshot of `live`, taken now.
pub fn once(live: &SharedLive) -> SnapshotRx {
    let city = crate::shell::lock::read(live).city().clone();
    let snap = Builder::new(city, params()).tick(live, crate::shell::now_ms());
    watch::channel(Arc::new(snap)).1
}

/// A message from sensor `sensor % n` at `ts`: every metric of its domain, the k-th valued
/// `value + k`.
pub fn message(city: &City, sensor: usize, ts: i64, value: f64, seq: u64) -> Vec<Reading> {
    let s = &city.sensors[sensor % city.sensors.len()];
    city.domain(s.domain)
        .metrics
        .iter()
        .enumerate()
        .map(|(k, m)| Reading {
            sensor: s.id.clone(),
            registered: true,
            domain: s.domain,
            district: s.district,
            metric: *m,
            ts_ms: ts,
            ts_received: false,
            seq: Some(seq),
            value: value + k as f64,
        })
        .collect()
}
