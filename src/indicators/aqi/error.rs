//! Why an index could not be computed.

use super::Table;

/// Why an air-quality index has no value. None of these is a bug: each is a state of the
/// data that the control room shows as such ("insufficient data", "no PM sensor").
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum AqiError {
    /// The concentration is NaN, infinite or negative.
    #[error("{table} concentration {value} is not a finite, non-negative number")]
    InvalidConcentration { table: Table, value: f64 },
    /// The concentration lies where the table defines no index: VN O3 8-hour above
    /// 400 µg/m³, EPA O3 8-hour above 200 ppb or EPA O3 1-hour below 125 ppb.
    #[error("{table} concentration {value} lies outside its breakpoint table")]
    OutsideTable { table: Table, value: f64 },
    /// The NowCast's rule failed: fewer than 2 of the 3 most recent hourly means are present.
    #[error("insufficient data: fewer than 2 of the 3 most recent hourly means are present")]
    InsufficientData,
    /// A VN_AQI station needs PM2.5 or PM10, and neither has a value.
    #[error("no PM2.5 or PM10 value: a VN_AQI station needs at least one")]
    NoParticulate,
    /// No pollutant has a value.
    #[error("no pollutant has a value")]
    NoData,
}

impl AqiError {
    /// A stable snake_case code for APIs ("insufficient_data", "no_particulate" …).
    pub fn code(&self) -> &'static str {
        match self {
            AqiError::InvalidConcentration { .. } => "invalid_concentration",
            AqiError::OutsideTable { .. } => "outside_table",
            AqiError::InsufficientData => "insufficient_data",
            AqiError::NoParticulate => "no_particulate",
            AqiError::NoData => "no_data",
        }
    }
}
