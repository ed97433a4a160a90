//! Traffic: flow, mean speed, occupancy, congestion index and level, per road sensor and
//! pooled per district and city. Pure.

use serde::{Deserialize, Serialize};

/// How congested a road is, from its congestion index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CongestionLevel {
    Free,
    Moderate,
    Heavy,
    Jammed,
}

impl CongestionLevel {
    pub fn label_vi(self) -> &'static str {
        match self {
            CongestionLevel::Free => "Thông thoáng",
            CongestionLevel::Moderate => "Đông",
            CongestionLevel::Heavy => "Ùn tắc nhẹ",
            CongestionLevel::Jammed => "Ùn tắc nghiêm trọng",
        }
    }
}

/// Index thresholds (from `[indicators]`): at or above each, the next level.
#[derive(Debug, Clone, Copy)]
pub struct CongestionThresholds {
    pub moderate: f64,
    pub heavy: f64,
    pub jammed: f64,
}

impl CongestionThresholds {
    pub fn level(&self, index: f64) -> CongestionLevel {
        if index >= self.jammed {
            CongestionLevel::Jammed
        } else if index >= self.heavy {
            CongestionLevel::Heavy
        } else if index >= self.moderate {
            CongestionLevel::Moderate
        } else {
            CongestionLevel::Free
        }
    }
}

/// The last five minutes of one road sensor.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoadSample {
    /// Mean vehicles counted per report.
    pub count_per_report: Option<f64>,
    pub reports_per_hour: f64,
    pub speed_kmh: Option<f64>,
    pub occupancy_pct: Option<f64>,
    pub free_flow_kmh: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Traffic {
    /// Road sensors that reported in the last 5 minutes.
    pub sensors: usize,
    /// Vehicles per hour (summed over the sensors of a district or the city).
    pub flow_vph: Option<f64>,
    pub mean_speed_kmh: Option<f64>,
    pub occupancy_pct: Option<f64>,
    /// 1 − speed / free-flow speed, 0 (free) to 1 (standstill); the mean over sensors.
    pub congestion_index: Option<f64>,
    pub level: Option<CongestionLevel>,
    /// Sensors at level heavy or jammed.
    pub congested_sensors: usize,
}

/// One road sensor's indicators.
pub fn road(sample: &RoadSample, t: &CongestionThresholds) -> Traffic {
    let index = sample
        .speed_kmh
        .map(|v| (1.0 - v / sample.free_flow_kmh).clamp(0.0, 1.0));
    let level = index.map(|i| t.level(i));
    let has_data = sample.count_per_report.is_some()
        || sample.speed_kmh.is_some()
        || sample.occupancy_pct.is_some();
    Traffic {
        sensors: usize::from(has_data),
        flow_vph: sample.count_per_report.map(|c| c * sample.reports_per_hour),
        mean_speed_kmh: sample.speed_kmh,
        occupancy_pct: sample.occupancy_pct,
        congestion_index: index,
        level,
        congested_sensors: usize::from(level.is_some_and(|l| l >= CongestionLevel::Heavy)),
    }
}

/// Pools road sensors: flows add up; speed, occupancy and the index are means over the sensors
/// that have them; the level follows the pooled index.
/// Roads pooled so far: counts and sums that merge in any grouping, so a district's traffic
/// is the merge of its parts and the city's the merge of its districts (never a mean of
/// means).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TrafficSum {
    /// Road items pooled (a road with a recent speed or count).
    pub roads: usize,
    sensors: usize,
    congested: usize,
    flow_vph: Option<f64>,
    speed: Mean,
    occupancy: Mean,
    index: Mean,
    /// Newest `as_of` of the roads pooled.
    pub as_of: Option<i64>,
}

impl TrafficSum {
    pub fn add(&mut self, r: &Traffic, as_of: Option<i64>) {
        self.roads += 1;
        self.sensors += r.sensors;
        self.congested += r.congested_sensors;
        if let Some(f) = r.flow_vph {
            self.flow_vph = Some(self.flow_vph.unwrap_or(0.0) + f);
        }
        self.speed.add(r.mean_speed_kmh);
        self.occupancy.add(r.occupancy_pct);
        self.index.add(r.congestion_index);
        self.as_of = self.as_of.max(as_of);
    }

    pub fn merge(&mut self, o: &TrafficSum) {
        self.roads += o.roads;
        self.sensors += o.sensors;
        self.congested += o.congested;
        if let Some(f) = o.flow_vph {
            self.flow_vph = Some(self.flow_vph.unwrap_or(0.0) + f);
        }
        self.speed.merge(&o.speed);
        self.occupancy.merge(&o.occupancy);
        self.index.merge(&o.index);
        self.as_of = self.as_of.max(o.as_of);
    }

    /// Every count at most `max` (a peer's summary is checked before it is merged).
    pub(super) fn within(&self, max: usize) -> bool {
        [
            self.roads,
            self.sensors,
            self.congested,
            self.speed.n,
            self.occupancy.n,
            self.index.n,
        ]
        .iter()
        .all(|n| *n <= max)
    }

    pub fn finish(&self, t: &CongestionThresholds) -> Traffic {
        let congestion_index = self.index.get();
        Traffic {
            sensors: self.sensors,
            flow_vph: self.flow_vph,
            mean_speed_kmh: self.speed.get(),
            occupancy_pct: self.occupancy.get(),
            congestion_index,
            level: congestion_index.map(|i| t.level(i)),
            congested_sensors: self.congested,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Mean {
    sum: f64,
    pub(super) n: usize,
}

impl Mean {
    pub fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.sum += v;
            self.n += 1;
        }
    }

    pub fn merge(&mut self, o: &Mean) {
        self.sum += o.sum;
        self.n += o.n;
    }

    pub fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: CongestionThresholds = CongestionThresholds {
        moderate: 0.25,
        heavy: 0.5,
        jammed: 0.75,
    };

    #[test]
    fn a_road_at_a_fifth_of_free_flow_is_jammed() {
        let r = road(
            &RoadSample {
                count_per_report: Some(10.0),
                reports_per_hour: 240.0,
                speed_kmh: Some(10.0),
                occupancy_pct: Some(80.0),
                free_flow_kmh: 50.0,
            },
            &T,
        );
        assert_eq!(r.flow_vph, Some(2400.0));
        assert_eq!(r.congestion_index, Some(0.8));
        assert_eq!(
            (r.level, r.congested_sensors),
            (Some(CongestionLevel::Jammed), 1)
        );
    }

    #[test]
    fn levels_change_at_their_thresholds_and_faster_than_free_flow_is_free() {
        assert_eq!(T.level(0.2499), CongestionLevel::Free);
        assert_eq!(T.level(0.25), CongestionLevel::Moderate);
        assert_eq!(T.level(0.5), CongestionLevel::Heavy);
        assert_eq!(T.level(0.75), CongestionLevel::Jammed);
        let fast = road(
            &RoadSample {
                speed_kmh: Some(80.0),
                free_flow_kmh: 50.0,
                ..RoadSample::default()
            },
            &T,
        );
        assert_eq!(fast.congestion_index, Some(0.0));
    }

    #[test]
    fn pooling_adds_flows_and_averages_speeds() {
        let a = road(
            &RoadSample {
                count_per_report: Some(5.0),
                reports_per_hour: 240.0,
                speed_kmh: Some(40.0),
                occupancy_pct: None,
                free_flow_kmh: 50.0,
            },
            &T,
        );
        let b = road(
            &RoadSample {
                count_per_report: Some(1.0),
                reports_per_hour: 240.0,
                speed_kmh: Some(10.0),
                occupancy_pct: Some(50.0),
                free_flow_kmh: 50.0,
            },
            &T,
        );
        // Pooled in two parts and merged, as a district merges its blocks.
        let (mut left, mut right) = (TrafficSum::default(), TrafficSum::default());
        left.add(&a, None);
        right.add(&b, None);
        left.merge(&right);
        let p = left.finish(&T);
        assert_eq!(
            (p.sensors, p.flow_vph, p.mean_speed_kmh, p.occupancy_pct),
            (2, Some(1440.0), Some(25.0), Some(50.0))
        );
        assert_eq!(p.congestion_index, Some(0.5));
        assert_eq!(
            (p.level, p.congested_sensors),
            (Some(CongestionLevel::Heavy), 1)
        );
        assert_eq!(TrafficSum::default().finish(&T).level, None);
    }
}
