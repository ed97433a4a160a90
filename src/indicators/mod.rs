//! Indicators: the pure maths that turns measurements into the numbers the control room
//! watches. Nothing here does I/O or reads a clock; callers pass the values in and get plain
//! data back. More indicators (traffic congestion, queue SLA, sensor health) will join
//! [`aqi`] here.

pub mod aqi;
