//! Live aggregation: the latest value of every sensor-metric, sensor status, and rolling
//! windows per domain and district. Pure: every method takes the current time as an argument,
//! so tests drive the clock by hand.

mod hourly;
mod live;
mod page;
mod status;
mod view;
mod window;

pub use hourly::HourlySeries;
pub use live::{LiveState, SharedLive};
pub use page::{ResumeError, SensorKey};
pub use status::{SensorStatus, StatusThresholds};
pub use view::{
    DomainIndicators, Indicators, LatestValue, MetricIndicator, SensorDetail, SensorFilter,
    SensorInputs, SensorSummary,
};
pub use window::{RollingWindow, Span, SumWindow, WindowSet, WindowSummary};

#[cfg(test)]
mod tests;
