//! The domain model: the city registry, typed readings, and the pure decoding of MQTT
//! messages into readings and rejections. Nothing here does I/O.

mod city;
mod city_build;
mod city_file;
mod decode;
mod fast_map;
/// Decoder invariants shared by the fuzz targets and the stable suite.
#[cfg(any(test, feature = "fuzzing"))]
pub mod invariants;
mod known;
mod polygon;
mod reading;
mod rejection;
mod senml;
mod text;
mod timestamp;
mod topic;
mod zone;

pub(crate) use city::is_valid_id;
pub use city::{
    City, CityError, District, DistrictIdx, Domain, DomainIdx, Metric, MetricIdx, Sensor,
};
pub use city_file::{
    CityConfig, DistrictConfig, DomainConfig, MetricConfig, SensorConfig, DEMO_CITY,
};
pub use decode::{Decoded, Decoder, DecoderLimits, Outcome};
pub use fast_map::FastMap;
pub use known::{KnownMetrics, POLLUTANTS};
pub use reading::Reading;
pub(crate) use rejection::truncate;
pub use rejection::{Reason, Rejection};
pub use text::{char_name, escape_forbidden, forbidden_char};
pub use timestamp::{parse_rfc3339_ms, MIN_VALID_TS_MS};
pub use topic::{parse_topic, TopicParts};
pub use zone::{CalendarStep, Zone, DEFAULT_TIMEZONE, MAX_CALENDAR_DAYS};

#[cfg(test)]
pub(crate) mod fuzz_tests;
#[cfg(test)]
mod tests;
