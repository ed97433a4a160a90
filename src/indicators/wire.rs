//! A [`Partial`] as a peer's summary carries it, and back. The sums and counts travel as they
//! are, so a district pooled on another node merges exactly as one pooled here; the worst
//! station travels as the concentrations behind its hourly VN_AQI, which is recomputed on
//! arrival rather than trusted. Pure.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::air::{Index, StationAir, WaterAlert};
use super::aqi::{AqiError, Table, VnAqi};
use super::city::Station;
use super::partial::{AirSum, Partial};
use super::queue::QueueSum;
use super::traffic::TrafficSum;
use super::Health;

/// What a station pooled on a peer gives besides its hourly VN_AQI.
const REMOTE: &str = "computed_on_peer";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialWire {
    pub health: HealthWire,
    pub traffic: TrafficSum,
    pub air: AirWire,
    pub queue: QueueSum,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthWire {
    pub online: usize,
    pub late: usize,
    pub offline: usize,
    pub never_seen: usize,
    pub seq_gaps: u64,
    pub seq_repeats: u64,
    pub duplicates: u64,
    /// Messages received in the last hour, and expected: completeness is their ratio.
    pub received: f64,
    pub expected: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirWire {
    pub items: usize,
    pub stations: usize,
    pub worst: Option<WorstWire>,
    pub noise_sum: f64,
    pub noise_n: usize,
    pub water_alert: Option<WaterAlert>,
    pub as_of: Option<i64>,
}

/// The station with the highest hourly VN_AQI: the columns and concentrations its index came
/// from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorstWire {
    pub id: String,
    pub district: String,
    pub as_of: Option<i64>,
    pub columns: Vec<(Table, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the worst station {id:?} carries no valid hourly VN_AQI: {source}")]
    Station { id: String, source: AqiError },
    #[error(
        "health sums must be finite and at least 0 (received {received}, expected {expected})"
    )]
    Health { received: f64, expected: f64 },
    #[error("a count above {MAX_COUNT}: no city has that many sensors")]
    Count,
}

/// The largest count a peer may report in one partial: beyond any city, and far from overflow
/// when merged.
const MAX_COUNT: usize = 1 << 32;

impl Partial {
    pub fn to_wire(&self) -> PartialWire {
        PartialWire {
            health: HealthWire::from(&self.health),
            traffic: self.traffic,
            air: AirWire::from(&self.air),
            queue: self.queue,
        }
    }
}

impl PartialWire {
    pub fn into_partial(self) -> Result<Partial, WireError> {
        let a = &self.air;
        let h = &self.health;
        let counts = [
            a.items,
            a.stations,
            a.noise_n,
            h.online,
            h.late,
            h.offline,
            h.never_seen,
        ];
        let seqs = [h.seq_gaps, h.seq_repeats, h.duplicates];
        let fits = counts.iter().all(|n| *n <= MAX_COUNT)
            && seqs.iter().all(|n| *n <= MAX_COUNT as u64)
            && self.traffic.within(MAX_COUNT)
            && self.queue.within(MAX_COUNT);
        if !fits {
            return Err(WireError::Count);
        }
        Ok(Partial {
            health: self.health.into_health()?,
            traffic: self.traffic,
            air: self.air.into_sum()?,
            queue: self.queue,
        })
    }
}

impl From<&Health> for HealthWire {
    fn from(h: &Health) -> HealthWire {
        HealthWire {
            online: h.online,
            late: h.late,
            offline: h.offline,
            never_seen: h.never_seen,
            seq_gaps: h.seq_gaps,
            seq_repeats: h.seq_repeats,
            duplicates: h.duplicates,
            received: h.received,
            expected: h.expected,
        }
    }
}

impl HealthWire {
    fn into_health(self) -> Result<Health, WireError> {
        let (received, expected) = (self.received, self.expected);
        let sane = |v: f64| v.is_finite() && v >= 0.0;
        if !sane(received) || !sane(expected) {
            return Err(WireError::Health { received, expected });
        }
        Ok(Health {
            online: self.online,
            late: self.late,
            offline: self.offline,
            never_seen: self.never_seen,
            completeness: (expected > 0.0).then(|| (received / expected).min(1.0)),
            seq_gaps: self.seq_gaps,
            seq_repeats: self.seq_repeats,
            duplicates: self.duplicates,
            received,
            expected,
        })
    }
}

impl From<&AirSum> for AirWire {
    fn from(a: &AirSum) -> AirWire {
        let worst = a.worst.as_ref().and_then(|s| {
            let aqi = s.air.vn_aqi_hourly.value()?;
            Some(WorstWire {
                id: s.id.clone(),
                district: s.district.clone(),
                as_of: s.as_of,
                columns: aqi
                    .sub_indices
                    .iter()
                    .map(|x| (x.table, x.concentration))
                    .collect(),
            })
        });
        AirWire {
            items: a.items,
            stations: a.stations,
            worst,
            noise_sum: a.noise_sum,
            noise_n: a.noise_n,
            water_alert: a.water_alert,
            as_of: a.as_of,
        }
    }
}

impl AirWire {
    fn into_sum(self) -> Result<AirSum, WireError> {
        let worst = self.worst.map(WorstWire::into_station).transpose()?;
        Ok(AirSum {
            items: self.items,
            stations: self.stations,
            worst: worst.map(Arc::new),
            noise_sum: self.noise_sum,
            noise_n: self.noise_n,
            water_alert: self.water_alert,
            as_of: self.as_of,
        })
    }
}

fn remote<T>() -> Index<T> {
    Index::Unavailable {
        unavailable: REMOTE,
    }
}

impl WorstWire {
    /// The station as far as an area needs it: its id and hourly VN_AQI. Its daily and EPA
    /// indices stay on the peer that pooled it.
    fn into_station(self) -> Result<Station, WireError> {
        let aqi =
            VnAqi::from_concentrations(&self.columns).map_err(|source| WireError::Station {
                id: self.id.clone(),
                source,
            })?;
        Ok(Station {
            id: self.id,
            district: self.district,
            as_of: self.as_of,
            air: StationAir {
                vn_aqi_hourly: Index::Value(aqi),
                vn_aqi_daily: remote(),
                epa_aqi: remote(),
                pm25_nowcast: None,
            },
        })
    }
}
