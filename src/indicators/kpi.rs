//! The city KPI summary for the control room's header. Pure.

use std::collections::BTreeMap;

use serde::Serialize;

use super::aqi::{Pollutant, Rgb, VnCategory};

/// The district with the worst current VN_AQI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorstAqi {
    pub district: String,
    pub name: String,
    pub aqi: u16,
    pub category: VnCategory,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub color: Rgb,
    pub dominant: Pollutant,
    /// The air station that gives it.
    pub station: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    pub generated_at: i64,
    /// Newest source timestamp the summary reflects.
    pub as_of: Option<i64>,
    pub worst_aqi_district: Option<WorstAqi>,
    /// Share (0..1) of reporting road sensors at level heavy or jammed.
    pub congested_share: Option<f64>,
    /// Share (0..1) of people served within their centre's target wait, last hour, city-wide.
    pub queue_sla: Option<f64>,
    /// Share (0..1) of registered sensors online.
    pub sensors_online: Option<f64>,
    pub sensors: super::Health,
    /// Open alerts by severity.
    pub open_alerts: BTreeMap<String, u64>,
}
