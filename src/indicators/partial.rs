//! Mergeable partial aggregates. [`SensorPart`] is what one sensor adds to the indicators of
//! its area, computed from its inputs alone; [`Partial`] pools parts with counts, sums and
//! maxima that merge in any grouping, so a district is the merge of its parts and the city the
//! merge of its districts — never a mean of means. Pure.

use std::sync::Arc;

use super::air::WaterAlert;
use super::aqi::VnAqi;
use super::city::{AirArea, Centre, Road, Station, Water};
use super::queue::QueueSum;
use super::traffic::TrafficSum;
use super::Health;

/// What one sensor contributes. A sensor offline or never seen adds only its health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SensorPart {
    pub health: Health,
    pub road: Option<Box<Road>>,
    /// Shared, so pooling the worst station costs a reference count, not a copy.
    pub station: Option<Arc<Station>>,
    pub water: Option<Box<Water>>,
    pub centre: Option<Box<Centre>>,
    /// The sensor's mean noise over the last 5 minutes.
    pub noise_db: Option<f64>,
}

impl SensorPart {
    /// Whether the sensor has an item of its own in the indicator lists (a road, a station,
    /// a gauge or a centre).
    pub fn has_item(&self) -> bool {
        self.road.is_some()
            || self.station.is_some()
            || self.water.is_some()
            || self.centre.is_some()
    }
}

/// Environment pooled so far: the worst station's VN_AQI, noise sums, the worst water alert.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AirSum {
    /// Stations, gauges and noise sensors pooled.
    pub items: usize,
    pub(super) stations: usize,
    /// The station with the highest hourly VN_AQI; on a tie, the later one.
    pub(super) worst: Option<Arc<Station>>,
    pub(super) noise_sum: f64,
    pub(super) noise_n: usize,
    pub(super) water_alert: Option<WaterAlert>,
    pub as_of: Option<i64>,
}

impl AirSum {
    fn add(&mut self, part: &SensorPart) {
        if let Some(s) = &part.station {
            self.items += 1;
            self.stations += 1;
            if let Some(v) = s.air.vn_aqi_hourly.value() {
                if worst_aqi(&self.worst).is_none_or(|w| v.aqi >= w) {
                    self.worst = Some(s.clone());
                }
            }
            self.as_of = self.as_of.max(s.as_of);
        }
        if let Some(w) = &part.water {
            self.items += 1;
            self.water_alert = self.water_alert.max_by_alert(w.alert);
            self.as_of = self.as_of.max(Some(w.as_of));
        }
        if let Some(n) = part.noise_db {
            self.items += 1;
            self.noise_sum += n;
            self.noise_n += 1;
        }
    }

    fn merge(&mut self, o: &AirSum) {
        self.items += o.items;
        self.stations += o.stations;
        if let Some(theirs) = worst_aqi(&o.worst) {
            if worst_aqi(&self.worst).is_none_or(|mine| theirs >= mine) {
                self.worst = o.worst.clone();
            }
        }
        self.noise_sum += o.noise_sum;
        self.noise_n += o.noise_n;
        self.water_alert = self.water_alert.max_by_alert(o.water_alert);
        self.as_of = self.as_of.max(o.as_of);
    }

    pub fn finish(&self) -> AirArea {
        AirArea {
            vn_aqi: self.worst_aqi().cloned(),
            vn_aqi_station: self.worst.as_ref().map(|w| w.id.clone()),
            stations: self.stations,
            noise_db: (self.noise_n > 0).then(|| self.noise_sum / self.noise_n as f64),
            water_alert: self.water_alert,
            as_of: self.as_of,
        }
    }
}

impl AirSum {
    fn worst_aqi(&self) -> Option<&VnAqi> {
        self.worst.as_ref()?.air.vn_aqi_hourly.value()
    }
}

fn worst_aqi(w: &Option<Arc<Station>>) -> Option<u16> {
    Some(w.as_ref()?.air.vn_aqi_hourly.value()?.aqi)
}

trait MaxAlert {
    fn max_by_alert(self, o: Option<WaterAlert>) -> Option<WaterAlert>;
}

impl MaxAlert for Option<WaterAlert> {
    fn max_by_alert(self, o: Option<WaterAlert>) -> Option<WaterAlert> {
        match (self, o) {
            (Some(a), Some(b)) => Some(if b as u8 >= a as u8 { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// The parts of one area's sensors of one domain, pooled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partial {
    pub health: Health,
    pub traffic: TrafficSum,
    pub air: AirSum,
    pub queue: QueueSum,
}

impl Partial {
    pub fn add(&mut self, part: &SensorPart) {
        self.health.merge(&part.health);
        if let Some(r) = &part.road {
            self.traffic.add(&r.traffic, r.as_of);
        }
        self.air.add(part);
        if let Some(c) = &part.centre {
            self.queue.add(&c.queue, c.as_of);
        }
    }

    pub fn merge(&mut self, o: &Partial) {
        self.health.merge(&o.health);
        self.traffic.merge(&o.traffic);
        self.air.merge(&o.air);
        self.queue.merge(&o.queue);
    }
}
