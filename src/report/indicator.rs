//! The indicators whose history is served (`/api/v1/series?indicator=`): what each reads,
//! at which base resolution, how sensors pool into a district, and its unit.

use crate::model::{City, DomainIdx, KnownMetrics, MetricIdx};

/// One indicator of `GET /api/v1/series?indicator=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    /// VN_AQI of each hour, PM through the NowCast of the last 12 hours (Decision 1459).
    VnAqiHourly,
    /// VN_AQI of each local calendar day (Decision 1459, with its minimum-data rules).
    VnAqiDaily,
    /// US EPA AQI of each hour.
    EpaAqi,
    /// 1 − mean speed / free-flow speed, per minute.
    CongestionIndex,
    /// Vehicles per hour, per minute.
    FlowVph,
    /// Mean reported wait at a centre, per minute.
    QueueWaitS,
    /// Share of the people served whose centre's mean wait met its target, per hour.
    SlaShare,
    /// Readings received / readings expected, per sensor and hour.
    Completeness,
}

/// How the sensors of a district (or the city) combine at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// The worst station (an index).
    Max,
    /// The mean over sensors.
    Mean,
    /// The sum over sensors (a flow).
    Sum,
    /// People pooled: Σ within target / Σ served.
    People,
}

/// The table an indicator is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Minute,
    Hour,
    /// One value per local calendar day, from the hours.
    Day,
}

impl Indicator {
    /// The air indices: pooled by the worst station, each value with a dominant pollutant.
    pub fn is_air(self) -> bool {
        matches!(
            self,
            Indicator::VnAqiHourly | Indicator::EpaAqi | Indicator::VnAqiDaily
        )
    }

    pub const ALL: [Indicator; 8] = [
        Indicator::VnAqiHourly,
        Indicator::VnAqiDaily,
        Indicator::EpaAqi,
        Indicator::CongestionIndex,
        Indicator::FlowVph,
        Indicator::QueueWaitS,
        Indicator::SlaShare,
        Indicator::Completeness,
    ];

    pub fn parse(name: &str) -> Option<Indicator> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Indicator::VnAqiHourly => "vn_aqi_hourly",
            Indicator::VnAqiDaily => "vn_aqi_daily",
            Indicator::EpaAqi => "epa_aqi",
            Indicator::CongestionIndex => "congestion_index",
            Indicator::FlowVph => "flow_vph",
            Indicator::QueueWaitS => "queue_wait_s",
            Indicator::SlaShare => "sla_share",
            Indicator::Completeness => "completeness",
        }
    }

    /// Every name, for an error message.
    pub fn names() -> String {
        Self::ALL.map(Indicator::name).join(", ")
    }

    pub fn unit(self) -> &'static str {
        match self {
            Indicator::VnAqiHourly | Indicator::VnAqiDaily => "VN_AQI",
            Indicator::EpaAqi => "AQI",
            Indicator::FlowVph => "vehicles/h",
            Indicator::QueueWaitS => "s",
            Indicator::CongestionIndex | Indicator::SlaShare | Indicator::Completeness => "ratio",
        }
    }

    pub fn base(self) -> Base {
        match self {
            Indicator::VnAqiDaily => Base::Day,
            Indicator::CongestionIndex | Indicator::FlowVph | Indicator::QueueWaitS => Base::Minute,
            Indicator::VnAqiHourly
            | Indicator::EpaAqi
            | Indicator::SlaShare
            | Indicator::Completeness => Base::Hour,
        }
    }

    pub fn pool(self) -> Pool {
        match self {
            Indicator::VnAqiHourly | Indicator::VnAqiDaily | Indicator::EpaAqi => Pool::Max,
            Indicator::FlowVph => Pool::Sum,
            Indicator::SlaShare => Pool::People,
            Indicator::CongestionIndex | Indicator::QueueWaitS | Indicator::Completeness => {
                Pool::Mean
            }
        }
    }

    /// The metrics it reads; empty when the city measures none of them. Completeness reads
    /// every metric of the domain it is asked for.
    pub fn metrics(self, city: &City, domain: DomainIdx) -> Vec<MetricIdx> {
        let k: &KnownMetrics = &city.known;
        match self {
            Indicator::VnAqiHourly | Indicator::VnAqiDaily | Indicator::EpaAqi => {
                k.pollutants_present()
            }
            Indicator::CongestionIndex => k.avg_speed_kmh.into_iter().collect(),
            Indicator::FlowVph => k.vehicle_count.into_iter().collect(),
            Indicator::QueueWaitS => k.avg_wait_s.into_iter().collect(),
            Indicator::SlaShare => [k.avg_wait_s, k.served_last_5m]
                .into_iter()
                .flatten()
                .collect(),
            Indicator::Completeness => city.domain(domain).metrics.clone(),
        }
    }

    /// The domain whose sensors carry it; completeness has none of its own (`None`).
    pub fn domain(self, city: &City) -> Option<DomainIdx> {
        let k = &city.known;
        let metric = match self {
            Indicator::VnAqiHourly | Indicator::VnAqiDaily | Indicator::EpaAqi => {
                k.pollutants.iter().flatten().next().copied()
            }
            Indicator::CongestionIndex => k.avg_speed_kmh,
            Indicator::FlowVph => k.vehicle_count,
            Indicator::QueueWaitS | Indicator::SlaShare => k.avg_wait_s,
            Indicator::Completeness => None,
        };
        metric.map(|m| city.metric(m).domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_nothing_else_does() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.name()), Some(i));
        }
        assert_eq!(Indicator::parse("pm25"), None);
        assert!(Indicator::names().contains("vn_aqi_daily"));
    }
}
