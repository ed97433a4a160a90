//! The NowCast: the weighted mean of the 12 most recent hourly means that VN_AQI (and the
//! EPA) use for an hourly PM index, so a rising episode shows before the 24-hour mean moves.

use super::scale::valid;
use super::AqiError;

/// How many hourly means the NowCast looks at.
pub const NOWCAST_HOURS: usize = 12;

/// The weight below which the Decision clamps `w* = Cmin / Cmax`.
const MIN_WEIGHT: f64 = 0.5;

/// NowCast of hourly means given newest first (`hours[0]` is c1, the current hour; entries
/// past the 12th are ignored, a shorter slice means the older hours are missing).
///
/// Per Decision 1459 §2.2.1a: `w* = Cmin / Cmax` over the hours present, `w = max(w*, ½)`;
/// if `w > ½` the result is `Σ w^(i−1)·cᵢ / Σ w^(i−1)`, with a missing hour weighing 0; if
/// `w = ½` it is `Σ ½^i·cᵢ`.
///
/// That last form is the Decision's shorthand for the first one when all 12 hours are there
/// (`Σ ½^(i−1)` over 12 hours is 2 − 2⁻¹¹ ≈ 2). With an hour missing it would count the hour
/// as 0 µg/m³ rather than give it weight 0, and pull the result below every value present;
/// so with 12 hours present this returns `Σ ½^i·cᵢ` exactly, and with any missing it uses
/// the general formula with `w = ½` and weight 0 for the gaps. Either way the result lies
/// within `[Cmin, Cmax]` of the hours present.
///
/// A NaN, infinite or negative hour counts as missing. Fails with
/// [`AqiError::InsufficientData`] unless at least 2 of c1, c2, c3 are present.
pub fn nowcast(hours: &[Option<f64>]) -> Result<f64, AqiError> {
    let mut c = [None; NOWCAST_HOURS];
    for (slot, hour) in c.iter_mut().zip(hours) {
        *slot = valid(*hour);
    }
    if c[..3].iter().flatten().count() < 2 {
        return Err(AqiError::InsufficientData);
    }
    let present = || c.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v)));
    let (c_min, c_max) = present().fold((f64::INFINITY, 0.0_f64), |(lo, hi), (_, v)| {
        (lo.min(v), hi.max(v))
    });
    if c_max == 0.0 {
        return Ok(0.0);
    }
    let w = (c_min / c_max).max(MIN_WEIGHT);
    if w == MIN_WEIGHT && present().count() == NOWCAST_HOURS {
        // Σ ½^i·cᵢ with i counted from 1, as the Decision writes it.
        return Ok(present()
            .map(|(i, v)| MIN_WEIGHT.powi(i as i32 + 1) * v)
            .sum());
    }
    let (num, den) = present().fold((0.0, 0.0), |(num, den), (i, v)| {
        let weight = w.powi(i as i32);
        (num + weight * v, den + weight)
    });
    Ok(num / den)
}
