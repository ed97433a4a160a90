//! Unit conversion for the EPA AQI: the city's sensors report every pollutant in µg/m³,
//! the EPA tables want gases in ppb (CO in ppm).

use super::scale::is_concentration;
use super::Pollutant;

/// Molar volume of an ideal gas at 25 °C and 1 atm (101.325 kPa), in L/mol. 24.45 is the
/// value the EPA and WHO conversion factors use (R·T/P gives 24.465; the 0.06 % difference
/// is below any sensor's accuracy).
pub const MOLAR_VOLUME_25C: f64 = 24.45;

/// Molar mass in g/mol of a gas (standard atomic weights: O 15.999, N 14.007, S 32.06,
/// C 12.011): O3 47.997, NO2 46.005, SO2 64.058, CO 28.010. `None` for particulates, which
/// have no molar mass and stay in µg/m³.
pub fn molar_mass(pollutant: Pollutant) -> Option<f64> {
    match pollutant {
        Pollutant::O3 => Some(47.997),
        Pollutant::No2 => Some(46.005),
        Pollutant::So2 => Some(64.058),
        Pollutant::Co => Some(28.010),
        Pollutant::Pm25 | Pollutant::Pm10 => None,
    }
}

/// µg/m³ → ppb at 25 °C and 1 atm: `ppb = µg/m³ × 24.45 / M`. `None` for particulates and
/// for a value that is not a concentration (NaN, infinite, negative).
pub fn ugm3_to_ppb(pollutant: Pollutant, ugm3: f64) -> Option<f64> {
    let m = molar_mass(pollutant)?;
    is_concentration(ugm3).then(|| ugm3 * MOLAR_VOLUME_25C / m)
}

/// µg/m³ → the unit of the EPA table for this pollutant: ppb for O3, SO2 and NO2, ppm for
/// CO, µg/m³ (unchanged) for PM2.5 and PM10. `None` for a value that is not a concentration.
pub fn ugm3_to_epa_unit(pollutant: Pollutant, ugm3: f64) -> Option<f64> {
    match pollutant {
        Pollutant::Pm25 | Pollutant::Pm10 => is_concentration(ugm3).then_some(ugm3),
        Pollutant::Co => ugm3_to_ppb(pollutant, ugm3).map(|ppb| ppb / 1000.0),
        Pollutant::O3 | Pollutant::So2 | Pollutant::No2 => ugm3_to_ppb(pollutant, ugm3),
    }
}
