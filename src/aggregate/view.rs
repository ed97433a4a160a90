//! Read-only views of the live state, shaped for the API.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::model::{DistrictIdx, DomainIdx};

use super::live::{GroupKey, LiveState, SensorState};
use super::status::SensorStatus;
use super::window::{Span, SumWindow, WindowSummary};

#[derive(Debug, Clone, Copy, Default)]
pub struct SensorFilter {
    pub domain: Option<DomainIdx>,
    pub district: Option<DistrictIdx>,
    pub status: Option<SensorStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SensorSummary {
    pub id: String,
    /// `None` for unregistered sensors.
    pub name: Option<String>,
    pub domain: String,
    pub district: String,
    pub registered: bool,
    pub status: SensorStatus,
    /// Receive time of the last accepted reading, unix ms.
    pub last_seen: Option<i64>,
    pub expected_interval_s: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatestValue {
    pub value: f64,
    pub unit: String,
    /// Source timestamp of the value, unix ms.
    pub ts: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SensorDetail {
    #[serde(flatten)]
    pub summary: SensorSummary,
    pub latest: BTreeMap<String, LatestValue>,
    pub last_seq: Option<u64>,
    pub readings_received: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricIndicator {
    pub unit: String,
    /// Newest source timestamp this aggregate reflects, unix ms.
    pub as_of: Option<i64>,
    /// Window label ("1m", "5m", "15m", "1h") → summary, `null` when the window is empty.
    pub windows: BTreeMap<&'static str, Option<WindowSummary>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DomainIndicators {
    pub as_of: Option<i64>,
    /// Metric name → city-wide aggregate.
    pub city: BTreeMap<String, MetricIndicator>,
    /// District id → metric name → aggregate.
    pub districts: BTreeMap<String, BTreeMap<String, MetricIndicator>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicators {
    pub generated_at: i64,
    pub windows: [&'static str; 4],
    pub domains: BTreeMap<String, DomainIndicators>,
}

impl LiveState {
    /// Every sensor: registered ones in registry order, then unregistered ones by id.
    fn ordered(&self) -> impl Iterator<Item = (&Arc<str>, &SensorState)> {
        let registered = self
            .city
            .sensors
            .iter()
            .filter_map(|s| self.sensors.get_key_value(&s.id));
        let unregistered = self
            .unregistered
            .iter()
            .filter_map(|id| self.sensors.get_key_value(id));
        registered.chain(unregistered)
    }

    /// Sensors matching `filter`, registered ones first in registry order, then unregistered ones by id.
    pub fn sensors(&self, filter: SensorFilter, now_ms: i64) -> Vec<SensorSummary> {
        self.ordered()
            .filter(|(_, st)| filter.domain.is_none_or(|d| d == st.domain))
            .filter(|(_, st)| filter.district.is_none_or(|d| d == st.district))
            .map(|(id, st)| self.summary(id, st, now_ms))
            .filter(|s| filter.status.is_none_or(|want| want == s.status))
            .collect()
    }

    /// True when sensor `id` has a value of some metric (a hash lookup; no detail is built).
    pub fn has_values(&self, id: &str) -> bool {
        self.sensors.get(id).is_some_and(|st| !st.latest.is_empty())
    }

    pub fn sensor(&self, id: &str, now_ms: i64) -> Option<SensorDetail> {
        let (id, st) = self.sensors.get_key_value(id)?;
        let latest = st
            .latest
            .iter()
            .map(|&(m, value, ts)| {
                let metric = self.city.metric(m);
                (
                    metric.name.clone(),
                    LatestValue {
                        value,
                        unit: metric.unit.clone(),
                        ts,
                    },
                )
            })
            .collect();
        Some(SensorDetail {
            summary: self.summary(id, st, now_ms),
            latest,
            last_seq: st.last_seq,
            readings_received: st.readings_received,
        })
    }

    pub(super) fn summary(&self, id: &str, st: &SensorState, now_ms: i64) -> SensorSummary {
        let reg = self.city.sensor(id).filter(|_| st.registered);
        let interval_ms = st.interval_ms;
        SensorSummary {
            id: id.to_owned(),
            name: reg.map(|s| s.name.clone()),
            domain: self.city.domain(st.domain).name.clone(),
            district: self.city.district(st.district).id.clone(),
            registered: st.registered,
            status: self
                .thresholds
                .classify(st.last_seen_ms, interval_ms, now_ms),
            last_seen: st.last_seen_ms,
            expected_interval_s: interval_ms / 1000,
            lat: reg.map(|s| s.lat),
            lon: reg.map(|s| s.lon),
        }
    }

    /// Window aggregates per domain, city-wide and per district, optionally narrowed.
    pub fn indicators(
        &self,
        domain: Option<DomainIdx>,
        district: Option<DistrictIdx>,
        now_ms: i64,
    ) -> Indicators {
        let mut domains: BTreeMap<String, DomainIndicators> = BTreeMap::new();
        for (i, d) in self.city.domains.iter().enumerate() {
            let didx = DomainIdx(i as u16);
            if domain.is_some_and(|want| want != didx) {
                continue;
            }
            domains.insert(d.name.clone(), DomainIndicators::default());
        }
        for (key, set) in &self.groups {
            if domain.is_some_and(|d| d != key.domain) {
                continue;
            }
            let GroupKey {
                domain: dom,
                district: dist,
                metric,
            } = *key;
            if district.is_some() && dist.is_some() && dist != district {
                continue;
            }
            let m = self.city.metric(metric);
            let ind = MetricIndicator {
                unit: m.unit.clone(),
                as_of: set.newest_ts_ms,
                windows: Span::ALL
                    .iter()
                    .map(|s| (s.label(), set.summary(*s, now_ms)))
                    .collect(),
            };
            let entry = domains
                .entry(self.city.domain(dom).name.clone())
                .or_default();
            entry.as_of = entry.as_of.max(set.newest_ts_ms);
            match dist {
                None => {
                    entry.city.insert(m.name.clone(), ind);
                }
                Some(d) => {
                    let id = self.city.district(d).id.clone();
                    entry
                        .districts
                        .entry(id)
                        .or_default()
                        .insert(m.name.clone(), ind);
                }
            }
        }
        Indicators {
            generated_at: now_ms,
            windows: Span::ALL.map(Span::label),
            domains,
        }
    }
}

/// What the indicator maths needs of one sensor, copied out under the read lock.
#[derive(Debug, Clone)]
pub struct SensorInputs {
    pub id: Arc<str>,
    /// Dense index (see [`LiveState::sensor_count`]).
    pub idx: u32,
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    pub status: SensorStatus,
    /// Receive time of the last accepted reading.
    pub last_seen_ms: Option<i64>,
    /// Newest source timestamp, each capped at its reading's receive time: never in the future.
    pub as_of_ms: Option<i64>,
    pub expected_interval_ms: i64,
    /// Newest value per metric: (metric, value, ts).
    pub latest: Vec<(crate::model::MetricIdx, f64, i64)>,
    /// The 5-minute mean of each metric the sensor keeps a window for, when it has values.
    pub recent: Vec<(crate::model::MetricIdx, f64)>,
    /// Hourly means of each pollutant, newest first (24 hours + the current one).
    pub hourly: Vec<(crate::model::MetricIdx, Vec<Option<f64>>)>,
    pub messages_last_hour: u64,
    pub seq_gaps: u64,
    pub seq_repeats: u64,
    pub duplicates: u64,
    /// People served in the last hour, and of those, within the centre's target wait.
    pub sla_served: f64,
    pub sla_within: f64,
}

impl LiveState {
    /// Every sensor (registered ones in registry order, then unregistered ones), as inputs
    /// for the indicators at `now_ms`: what the full reference computation takes in tests.
    #[cfg(test)]
    pub fn sensor_inputs(&self, now_ms: i64) -> Vec<SensorInputs> {
        self.ordered()
            .map(|(id, st)| self.inputs_of(id, st, now_ms))
            .collect()
    }

    /// The inputs of the sensor at dense index `idx` (see [`LiveState::sensor_count`]).
    pub fn input_at(&self, idx: u32, now_ms: i64) -> Option<SensorInputs> {
        let (id, st) = self.sensors.get_key_value(self.ids.get(idx as usize)?)?;
        Some(self.inputs_of(id, st, now_ms))
    }

    /// The first time after `now_ms` at which the inputs of sensor `idx` change with no new
    /// reading: its status turns late or offline, a value leaves one of its windows, or the
    /// hour turns for its hourly means. `None` when time alone changes nothing.
    pub fn next_change_at(&self, idx: u32, now_ms: i64) -> Option<i64> {
        let st = self.sensors.get(self.ids.get(idx as usize)?)?;
        let status = st.last_seen_ms.and_then(|seen| {
            [
                self.thresholds.late_after_intervals,
                self.thresholds.offline_after_intervals,
            ]
            .map(|k| seen.saturating_add(st.interval_ms.saturating_mul(i64::from(k))) + 1)
            .into_iter()
            .find(|t| *t > now_ms)
        });
        let windows = st.recent.iter().map(|(_, w)| w.next_change(now_ms));
        let sla = st
            .sla
            .iter()
            .flat_map(|s| [s.served.next_change(now_ms), s.within.next_change(now_ms)]);
        let hourly = st.hourly.iter().map(|(_, h)| h.next_change(now_ms));
        windows
            .chain(sla)
            .chain(hourly)
            .chain([status, st.messages.next_change(now_ms)])
            .flatten()
            .filter(|t| *t > now_ms)
            .min()
    }

    fn inputs_of(&self, id: &Arc<str>, st: &SensorState, now_ms: i64) -> SensorInputs {
        let sla = |pick: fn(&super::live::Sla) -> &SumWindow| {
            st.sla.as_ref().map_or(0.0, |s| pick(s).sum(now_ms))
        };
        SensorInputs {
            id: id.clone(),
            idx: st.idx,
            registered: st.registered,
            domain: st.domain,
            district: st.district,
            status: self
                .thresholds
                .classify(st.last_seen_ms, st.interval_ms, now_ms),
            last_seen_ms: st.last_seen_ms,
            as_of_ms: st.as_of_ms,
            expected_interval_ms: st.interval_ms,
            latest: st.latest.clone(),
            recent: st
                .recent
                .iter()
                .filter_map(|(m, w)| w.mean(now_ms).map(|mean| (*m, mean)))
                .collect(),
            hourly: st
                .hourly
                .iter()
                .map(|(m, h)| (*m, h.means(now_ms, 25)))
                .collect(),
            messages_last_hour: st.messages.count(now_ms),
            seq_gaps: st.seq_gaps,
            seq_repeats: st.seq_repeats,
            duplicates: st.duplicates,
            sla_served: sla(|s| &s.served),
            sla_within: sla(|s| &s.within),
        }
    }
}
