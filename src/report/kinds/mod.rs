//! The four reports, each a pure function of the period's hour rollups: air quality per
//! station, traffic per road and district, public service per centre, data quality per feed
//! and district. One row per sensor (or district) and local day.

use crate::model::{City, Sensor, Zone};

use super::rows::{Rows, SensorRows};
use super::table::{col, Column};

pub mod air;
pub mod quality;
pub mod service;
pub mod traffic;

/// What every report is computed from.
pub struct Context<'a> {
    pub city: &'a City,
    pub zone: &'a Zone,
    /// Where each local day of the period starts, then where the last ends.
    pub days: &'a [i64],
    /// The hour rollups of the sensors concerned, from a day before the period.
    pub rows: &'a Rows,
    /// The registered sensors of the report's domain in the caller's scope, in city order.
    pub sensors: Vec<&'a Sensor>,
    pub params: Params,
    /// Hours from this one on have not happened yet.
    pub now_ms: i64,
    /// The period's rejections the caller may see (the data-quality report's).
    pub rejections: Vec<crate::store::RejectionCount>,
}

/// The thresholds and defaults the figures use (`[indicators]`).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub congestion_jammed: f64,
    pub default_free_flow_kmh: f64,
    pub default_sla_target_s: f64,
}

impl From<&crate::indicators::IndicatorSettings> for Params {
    fn from(s: &crate::indicators::IndicatorSettings) -> Params {
        Params {
            congestion_jammed: s.congestion_jammed,
            default_free_flow_kmh: s.default_free_flow_kmh,
            default_sla_target_s: s.default_sla_target_s,
        }
    }
}

impl Context<'_> {
    /// Each local day: its start and the starts of its hours.
    pub fn each_day(&self) -> impl Iterator<Item = (i64, Vec<i64>)> + '_ {
        self.days.windows(2).map(|d| {
            let hours = (d[0]..d[1]).step_by(super::air::HOUR_MS as usize).collect();
            (d[0], hours)
        })
    }

    /// The start of the local day holding `t`, if it is in the period.
    pub fn day_of(&self, t: i64) -> Option<i64> {
        self.days
            .windows(2)
            .find(|d| (d[0]..d[1]).contains(&t))
            .map(|d| d[0])
    }

    pub fn rows_of(&self, sensor: &Sensor) -> &SensorRows {
        static EMPTY: std::sync::LazyLock<SensorRows> =
            std::sync::LazyLock::new(SensorRows::default);
        self.rows.get(&sensor.id).unwrap_or(&EMPTY)
    }

    /// The first columns of a sensor's row: id, name, district, date.
    pub fn head(&self, sensor: &Sensor, day: i64) -> Vec<super::table::Cell> {
        use super::table::Cell;
        vec![
            Cell::text(&*sensor.id),
            Cell::text(&sensor.name),
            Cell::text(&self.city.district(sensor.district).id),
            Cell::text(self.zone.date_of(day)),
        ]
    }
}

/// The columns of a per-sensor section: id, name (`what`, in both languages), district,
/// date, then `rest`.
pub fn columns(what: (&'static str, &'static str), rest: &[Column]) -> Vec<Column> {
    let mut out = vec![
        col("id", "Mã", "ID", ""),
        col("name", what.0, what.1, ""),
        col("district", "Quận/huyện", "District", ""),
        col("date", "Ngày", "Date", ""),
    ];
    out.extend_from_slice(rest);
    out
}
