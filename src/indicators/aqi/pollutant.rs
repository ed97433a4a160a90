//! What is measured: the six pollutants, and the breakpoint tables (a pollutant with the
//! averaging period its column applies to).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A pollutant that enters an air-quality index. Serialised as `pm25`, `pm10`, `o3`, `co`,
/// `so2`, `no2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pollutant {
    Pm25,
    Pm10,
    O3,
    Co,
    So2,
    No2,
}

impl Pollutant {
    /// Every pollutant, in the order used to break ties for the dominant pollutant
    /// (particulates first: they are the ones a VN_AQI station must have).
    pub const ALL: [Pollutant; 6] = [
        Pollutant::Pm25,
        Pollutant::Pm10,
        Pollutant::O3,
        Pollutant::Co,
        Pollutant::So2,
        Pollutant::No2,
    ];

    /// The usual written name: `PM2.5`, `PM10`, `O3`, `CO`, `SO2`, `NO2`.
    pub fn name(self) -> &'static str {
        match self {
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Pm10 => "PM10",
            Pollutant::O3 => "O3",
            Pollutant::Co => "CO",
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
        }
    }
}

impl fmt::Display for Pollutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One column of breakpoints: ozone has two (1-hour and 8-hour means), every other
/// pollutant one. Both indices use the same seven columns, each in its own units.
/// Serialised as `pm25`, `pm10`, `o3_1h`, `o3_8h`, `co`, `so2`, `no2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Table {
    #[serde(rename = "pm25")]
    Pm25,
    #[serde(rename = "pm10")]
    Pm10,
    #[serde(rename = "o3_1h")]
    O3OneHour,
    #[serde(rename = "o3_8h")]
    O3EightHour,
    #[serde(rename = "co")]
    Co,
    #[serde(rename = "so2")]
    So2,
    #[serde(rename = "no2")]
    No2,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 7] = [
        Table::Pm25,
        Table::Pm10,
        Table::O3OneHour,
        Table::O3EightHour,
        Table::Co,
        Table::So2,
        Table::No2,
    ];

    /// The pollutant this column measures.
    pub fn pollutant(self) -> Pollutant {
        match self {
            Table::Pm25 => Pollutant::Pm25,
            Table::Pm10 => Pollutant::Pm10,
            Table::O3OneHour | Table::O3EightHour => Pollutant::O3,
            Table::Co => Pollutant::Co,
            Table::So2 => Pollutant::So2,
            Table::No2 => Pollutant::No2,
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Table::O3OneHour => f.write_str("O3 1-hour"),
            Table::O3EightHour => f.write_str("O3 8-hour"),
            other => f.write_str(other.pollutant().name()),
        }
    }
}
