//! `[indicators]`: congestion thresholds, defaults for sensors that name none, and how often
//! the alert rules look at the indicators. Documented with defaults in `config/default.toml`.

use serde::Deserialize;

use super::traffic::CongestionThresholds;
use super::IndicatorParams;
use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSettings {
    pub congestion_moderate: f64,
    pub congestion_heavy: f64,
    pub congestion_jammed: f64,
    pub default_free_flow_kmh: f64,
    pub default_sla_target_s: f64,
    pub alert_eval_interval_s: u64,
}

impl IndicatorSettings {
    pub fn params(&self) -> IndicatorParams {
        IndicatorParams {
            congestion: CongestionThresholds {
                moderate: self.congestion_moderate,
                heavy: self.congestion_heavy,
                jammed: self.congestion_jammed,
            },
            default_free_flow_kmh: self.default_free_flow_kmh,
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let levels = [
            self.congestion_moderate,
            self.congestion_heavy,
            self.congestion_jammed,
        ];
        if !(0.0 < levels[0] && levels[0] < levels[1] && levels[1] < levels[2] && levels[2] <= 1.0)
        {
            return Err(Invalid::new(
                "indicators.congestion_jammed",
                format!("{levels:?} (moderate, heavy, jammed)"),
                "rising thresholds with 0 < moderate < heavy < jammed <= 1",
            ));
        }
        if !(self.default_free_flow_kmh > 0.0 && self.default_free_flow_kmh <= 200.0) {
            return Err(Invalid::new(
                "indicators.default_free_flow_kmh",
                self.default_free_flow_kmh,
                "above 0 and at most 200 km/h",
            ));
        }
        if self.default_sla_target_s.is_nan() || self.default_sla_target_s <= 0.0 {
            return Err(Invalid::new(
                "indicators.default_sla_target_s",
                self.default_sla_target_s,
                "a positive number of seconds",
            ));
        }
        range(
            "indicators.alert_eval_interval_s",
            self.alert_eval_interval_s,
            1,
            3600,
        )
    }
}
