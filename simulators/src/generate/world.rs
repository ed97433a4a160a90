//! The city-wide state every sensor model reads: weather, traffic level, incidents, pollution
//! episodes and flood waves. All of it is a pure function of (seed, time, place), so it does
//! not matter which sensor asks first: that is what keeps the stream independent of ordering.

use std::collections::HashMap;

use ioc::model::City;

use super::clock::{hourly, Local, MS_PER_DAY, MS_PER_HOUR};
use super::episode::{Event, Schedule};
use super::rng::{hash_str, mix, Rng};
use crate::scenario::{matches_any, Plume, RandomEvents, Scenario, TrafficSpec};

pub struct World {
    pub scenario: Scenario,
    pub seed: u64,
    pub utc_offset_ms: i64,
    /// Road segments: traffic sensors (indices into `City::sensors`) sharing a road and district.
    segments: Vec<Vec<usize>>,
    segment_district: Vec<usize>,
    /// The segment of each sensor of the city (by index), so a traffic reading finds its road
    /// in O(1) rather than by scanning every segment: 100,000 sensors make ~700 segments.
    segment_of: Vec<Option<u32>>,
    incidents: Vec<Event>,
    rain: Vec<Event>,
    /// Scheduled pollution episodes and what each adds at full strength.
    air_episodes: Vec<(Event, Plume)>,
    floods: Vec<Event>,
    rain_factor: Vec<f64>,
    /// What of the scenario this city cannot play (a district it does not have).
    warnings: Vec<String>,
}

/// Stream tags for per-day random events, so each kind has its own generator.
const RAIN: u64 = 1;
const INCIDENTS: u64 = 2;
const AIR: u64 = 3;

impl World {
    pub fn new(scenario: Scenario, city: &City, start_ms: i64) -> World {
        let seed = scenario.seed;
        let utc_offset_ms = (scenario.utc_offset_hours * MS_PER_HOUR as f64) as i64;
        let (segments, segment_district) = road_segments(city, scenario.traffic.as_ref());
        let mut segment_of = vec![None; city.sensors.len()];
        for (seg, members) in segments.iter().enumerate() {
            for &i in members {
                segment_of[i] = u32::try_from(seg).ok();
            }
        }
        let mut at = Schedule {
            start_ms,
            warnings: Vec::new(),
        };
        let mut incidents = Vec::new();
        for (i, inc) in scenario
            .traffic
            .iter()
            .flat_map(|t| t.incidents.iter().enumerate())
        {
            let key = format!("traffic.incidents[{i}]");
            let Some(event) = at.event(
                city,
                key,
                &inc.district,
                (inc.start_after_s, inc.duration_s, inc.ramp_s),
                inc.severity,
            ) else {
                continue;
            };
            for (s, members) in segments.iter().enumerate() {
                let first = &city.sensors[members[0]];
                let district_ok = event
                    .district
                    .is_none_or(|d| usize::from(first.district.0) == d);
                if district_ok && first.name.contains(&inc.road) {
                    incidents.push(Event {
                        segment: s,
                        ..event
                    });
                }
            }
        }
        let rain = scenario
            .weather
            .rain
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let key = format!("weather.rain[{i}]");
                at.event(
                    city,
                    key,
                    &e.district,
                    (e.start_after_s, e.duration_s, None),
                    e.magnitude,
                )
            })
            .collect();
        let air_episodes = scenario
            .air
            .iter()
            .flat_map(|a| a.episodes.iter().enumerate())
            .filter_map(|(i, e)| {
                let key = format!("air.episodes[{i}]");
                at.event(
                    city,
                    key,
                    &e.district,
                    (e.start_after_s, e.duration_s, e.ramp_s),
                    e.magnitude,
                )
                .map(|ev| (ev, e.add))
            })
            .collect();
        let floods = scenario
            .water
            .iter()
            .flat_map(|w| w.floods.iter().enumerate())
            .filter_map(|(i, f)| {
                let key = format!("water.floods[{i}]");
                at.event(
                    city,
                    key,
                    &f.district,
                    (f.start_after_s, f.duration_s, f.ramp_s),
                    f.rise_cm,
                )
            })
            .collect();
        let rain_factor = city
            .districts
            .iter()
            .map(|d| Rng::new(mix(&[seed, RAIN, hash_str(&d.id)])).range([0.7, 1.3]))
            .collect();
        World {
            scenario,
            seed,
            utc_offset_ms,
            segments,
            segment_district,
            segment_of,
            incidents,
            rain,
            air_episodes,
            floods,
            rain_factor,
            warnings: at.warnings,
        }
    }

    /// What of the scenario this city cannot play, one sentence each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn local(&self, t: i64) -> Local {
        Local::at(t, self.utc_offset_ms)
    }

    /// Random events of the local days around `t` (an event may run past midnight).
    fn random_events(&self, tag: u64, spec: &RandomEvents, t: i64, segments: usize) -> Vec<Event> {
        let today = self.local(t).day;
        let mut out = Vec::new();
        for day in [today - 1, today] {
            let mut rng = Rng::new(mix(&[self.seed, tag, day as u64]));
            let day_start = day * MS_PER_DAY - self.utc_offset_ms;
            for _ in 0..rng.poisson(spec.per_day) {
                let start_ms = day_start + (rng.f64() * MS_PER_DAY as f64) as i64;
                let duration_ms = (rng.range(spec.duration_s) * 1000.0) as i64;
                let magnitude = rng.range(spec.magnitude);
                let segment = rng.below(segments);
                out.push(Event {
                    start_ms,
                    end_ms: start_ms + duration_ms.max(1),
                    magnitude,
                    segment,
                    district: None,
                    ramp_ms: None,
                });
            }
        }
        out
    }

    /// Traffic level (1 = the busiest hour) for the time of day and day of week.
    pub fn traffic_level(&self, t: i64) -> f64 {
        let l = self.local(t);
        let default = TrafficSpec::default();
        let spec = self.scenario.traffic.as_ref().unwrap_or(&default);
        hourly(
            if l.is_weekend() {
                &spec.weekend
            } else {
                &spec.weekday
            },
            l.hour,
        )
    }

    /// Severity (0..1) of the worst incident on `sensor`'s road segment at `t`.
    pub fn incident_at_sensor(&self, sensor: usize, t: i64) -> f64 {
        let Some(seg) = self.segment_of.get(sensor).copied().flatten() else {
            return 0.0;
        };
        let seg = seg as usize;
        self.incidents_at(t)
            .filter(|e| e.segment == seg)
            .map(|e| e.magnitude * e.plateau(t))
            .fold(0.0, f64::max)
    }

    /// Severity of the worst incident anywhere in district `district` (an index) at `t`.
    pub fn incident_in_district(&self, district: usize, t: i64) -> f64 {
        self.incidents_at(t)
            .filter(|e| self.segment_district.get(e.segment) == Some(&district))
            .map(|e| e.magnitude * e.plateau(t))
            .fold(0.0, f64::max)
    }

    fn incidents_at(&self, t: i64) -> impl Iterator<Item = Event> + '_ {
        let random = match &self.scenario.traffic {
            Some(spec) if spec.random_incidents.per_day > 0.0 && !self.segments.is_empty() => {
                self.random_events(INCIDENTS, &spec.random_incidents, t, self.segments.len())
            }
            _ => Vec::new(),
        };
        self.incidents.iter().copied().chain(random)
    }

    /// Rain intensity in mm/h over district `district` at `t`: city-wide rain, a little more
    /// or less in each district, plus rain over this district alone.
    pub fn rain_mm_h(&self, district: usize, t: i64) -> f64 {
        let spec = &self.scenario.weather.random_rain;
        let random = if spec.per_day > 0.0 {
            self.random_events(RAIN, spec, t, 1)
        } else {
            Vec::new()
        };
        let (mut city_wide, mut local) = (0.0, 0.0);
        for e in self.rain.iter().chain(&random) {
            match e.district {
                None => city_wide += e.magnitude * e.bump(t),
                Some(d) if d == district => local += e.magnitude * e.bump(t),
                Some(_) => {}
            }
        }
        city_wide * self.rain_factor.get(district).copied().unwrap_or(1.0) + local
    }

    /// Rain fallen over district `district` in the hour before `t`, mm (5-minute steps).
    pub fn rain_last_hour_mm(&self, district: usize, t: i64) -> f64 {
        (0..12)
            .map(|i| self.rain_mm_h(district, t - i * 300_000 - 150_000) / 12.0)
            .sum()
    }

    /// Multiplier on pollution in district `district` from episodes at `t` (1: none).
    pub fn air_episode(&self, district: usize, t: i64) -> f64 {
        let random = match &self.scenario.air {
            Some(a) if a.random_episodes.per_day > 0.0 => {
                self.random_events(AIR, &a.random_episodes, t, 1)
            }
            _ => Vec::new(),
        };
        1.0 + self
            .air_episodes
            .iter()
            .map(|(e, _)| e)
            .chain(&random)
            .filter(|e| e.applies_to(district))
            .map(|e| (e.magnitude - 1.0) * e.plateau(t))
            .sum::<f64>()
    }

    /// Pollutants that local sources add in district `district` at `t`, µg/m³.
    pub fn air_plume(&self, district: usize, t: i64) -> Plume {
        let mut sum = Plume::default();
        for (e, add) in self
            .air_episodes
            .iter()
            .filter(|(e, _)| e.applies_to(district))
        {
            let k = e.plateau(t);
            if k > 0.0 {
                sum.pm25 += add.pm25 * k;
                sum.pm10 += add.pm10 * k;
                sum.no2 += add.no2 * k;
                sum.o3 += add.o3 * k;
                sum.so2 += add.so2 * k;
                sum.co += add.co * k;
            }
        }
        sum
    }

    /// Rise of the water in district `district` from flood waves at `t`, cm.
    pub fn flood_cm(&self, district: usize, t: i64) -> f64 {
        self.floods
            .iter()
            .filter(|e| e.applies_to(district))
            .map(|e| e.magnitude * e.plateau(t))
            .sum()
    }

    /// Air temperature, °C: coolest before dawn, warmest mid-afternoon, cooler in rain.
    pub fn temperature_c(&self, district: usize, t: i64) -> f64 {
        let [lo, hi] = self.scenario.weather.temperature_c;
        let h = self.local(t).hour;
        let diurnal = 0.5 + 0.5 * (std::f64::consts::TAU * (h - 14.5) / 24.0).cos();
        lo + (hi - lo) * diurnal - (self.rain_mm_h(district, t) / 10.0).min(3.0)
    }

    /// Relative humidity, %: the inverse of temperature, near saturation in rain.
    pub fn humidity_pct(&self, district: usize, t: i64) -> f64 {
        let [tlo, thi] = self.scenario.weather.temperature_c;
        let [hlo, hhi] = self.scenario.weather.humidity_pct;
        let warm = ((self.temperature_c(district, t) - tlo) / (thi - tlo).max(0.1)).clamp(0.0, 1.0);
        let rain = (self.rain_mm_h(district, t) / 5.0).min(1.0);
        (hhi - (hhi - hlo) * warm + rain * (98.0 - hhi).max(0.0)).min(100.0)
    }
}

/// Groups the traffic sensors by road (their name up to '#') and district.
fn road_segments(city: &City, traffic: Option<&TrafficSpec>) -> (Vec<Vec<usize>>, Vec<usize>) {
    let Some(spec) = traffic else {
        return (Vec::new(), Vec::new());
    };
    // Segments in order of their first sensor; the map finds a sensor's segment in O(1).
    let mut keys: Vec<(String, usize)> = Vec::new();
    let mut by_key: HashMap<(String, usize), usize> = HashMap::new();
    let mut segments: Vec<Vec<usize>> = Vec::new();
    for (i, s) in city.sensors.iter().enumerate() {
        if !matches_any(&spec.sensors, &s.id) {
            continue;
        }
        let road = s
            .name
            .split('#')
            .next()
            .unwrap_or(&s.name)
            .trim()
            .to_owned();
        let key = (road, usize::from(s.district.0));
        match by_key.get(&key) {
            Some(&p) => segments[p].push(i),
            None => {
                by_key.insert(key.clone(), segments.len());
                keys.push(key);
                segments.push(vec![i]);
            }
        }
    }
    let districts = keys.into_iter().map(|(_, d)| d).collect();
    (segments, districts)
}
