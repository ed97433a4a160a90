//! Air-quality indices: Vietnam's VN_AQI (Decision 1459/QĐ-TCMT, 2019) and the US EPA AQI
//! (PM2.5 table of 2024), side by side. Facts: `shared/reference/air-quality-index.md`.
//!
//! Both indices are piecewise-linear sub-indices per pollutant; a station's index is the
//! largest sub-index and the pollutant that gives it is the *dominant* one.
//!
//! - [`vn_hourly`] / [`vn_daily`]: a station's VN_AQI from [`HourlyMeans`] (PM through the
//!   [`nowcast`]) or [`DailyMeans`]; [`vn_sub_index`] for one concentration.
//! - [`epa_aqi`] / [`epa_sub_index`]: the EPA AQI, in EPA units; [`ugm3_to_epa_unit`]
//!   converts the city's µg/m³ readings.
//! - [`VnCategory`] / [`EpaCategory`]: the six bands with labels and colours.
//!
//! # Invalid input
//!
//! A concentration must be finite and non-negative. Functions that take *one* concentration
//! ([`vn_sub_index`], [`epa_sub_index`]) reject anything else with
//! [`AqiError::InvalidConcentration`]. Functions that take a *series* or a *station's* values
//! treat a NaN, infinite or negative value as missing — exactly like an hour the sensor did
//! not report — so one bad hour cannot blank a station. Nothing here panics on any `f64`.

mod category;
mod epa;
mod error;
mod nowcast;
mod pollutant;
mod scale;
mod station;
mod units;
mod vn;

pub use category::{EpaCategory, Rgb, VnCategory};
pub use epa::{epa_aqi, epa_sub_index, EpaAqi, EpaInput};
pub use error::AqiError;
pub use nowcast::{nowcast, NOWCAST_HOURS};
pub use pollutant::{Pollutant, Table};
pub use station::SubIndex;
pub use units::{molar_mass, ugm3_to_epa_unit, ugm3_to_ppb, MOLAR_VOLUME_25C};
pub use vn::{vn_daily, vn_hourly, vn_sub_index, DailyMeans, HourlyMeans, VnAqi};

#[cfg(test)]
mod tests;
