//! Arithmetic shared by both indices: what counts as a concentration, EPA-style truncation,
//! rounding half up, and the piecewise-linear interpolation between breakpoints.

/// Slack added before flooring. A value that is exactly `x.5` (or exactly on a truncation
/// step) in decimal can land a hair below it in binary — 50/30 × 5.7 + 100 is 109.5 on
/// paper — and must still round up. At the magnitudes here (indices ≤ 500, scaled
/// concentrations ≤ ~10⁵) f64 error is around 1e-12, far below this and far below any
/// difference that matters.
const SLACK: f64 = 1e-9;

/// The top of both scales.
pub(super) const MAX_INDEX: f64 = 500.0;

/// True for a value that can be a concentration: finite and not negative.
pub(super) fn is_concentration(value: f64) -> bool {
    value.is_finite() && value >= 0.0
}

/// `value` if it can be a concentration, else `None` (the "treat as missing" rule).
pub(super) fn valid(value: Option<f64>) -> Option<f64> {
    value.filter(|v| is_concentration(*v))
}

/// Rounds half up to an integer index in 0..=500.
pub(super) fn round_half_up(index: f64) -> u16 {
    // The clamp makes the cast exact: a finite value in 0..=500.
    (index + 0.5 + SLACK).floor().clamp(0.0, MAX_INDEX) as u16
}

/// Truncates (floors, for non-negative values) to whole `steps` of the unit: 10 keeps one
/// decimal, 1 keeps the integer. Returns the count of steps.
pub(super) fn truncate_to_steps(value: f64, steps_per_unit: f64) -> f64 {
    (value * steps_per_unit + SLACK).floor()
}

/// Linear interpolation on the segment `(c_lo, i_lo)`–`(c_hi, i_hi)`:
/// `(i_hi − i_lo) / (c_hi − c_lo) × (c − c_lo) + i_lo`.
pub(super) fn lerp(c: f64, c_lo: f64, c_hi: f64, i_lo: f64, i_hi: f64) -> f64 {
    (i_hi - i_lo) / (c_hi - c_lo) * (c - c_lo) + i_lo
}
