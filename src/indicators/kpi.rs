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

/// Districts whose figures are missing from a view: another partition owns them and no fresh
/// summary of theirs has arrived (`since`: when the oldest of them went missing, unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    pub missing_districts: Vec<String>,
    pub since: i64,
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
    /// `null` when every district is counted; otherwise the districts left out.
    pub partial: Option<Incomplete>,
}
