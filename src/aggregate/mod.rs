//! Live aggregation: the latest value of every sensor-metric, sensor status, and rolling
//! windows per domain and district. Pure: every method takes the current time as an argument,
//! so tests drive the clock by hand.

mod live;
mod status;
mod view;
mod window;

pub use live::{LiveState, SharedLive};
pub use status::{SensorStatus, StatusThresholds};
pub use view::{
    DomainIndicators, Indicators, LatestValue, MetricIndicator, SensorDetail, SensorFilter,
    SensorSummary,
};
pub use window::{RollingWindow, Span, WindowSet, WindowSummary};

#[cfg(test)]
mod tests;
