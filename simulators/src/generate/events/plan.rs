//! Which events happen when: the scheduled ones of the scenario, and the random ones of a
//! local day. Each draws from a generator seeded by (seed, what, day or entry, place), so a
//! day's events do not depend on where the run starts or on anything else in the city.

use super::place::Places;
use super::text;
use crate::generate::clock::{hourly, MS_PER_DAY};
use crate::generate::rng::{hash_str, mix, Rng};
use crate::scenario::{EventKind, EventsSpec, ScheduledEvent};

/// Stream tags, so each kind of event has its own generators.
const SCHEDULED: u64 = 0xE1;
const REPORTS: u64 = 0xE2;
const DETECTIONS: u64 = 0xE3;

/// How likely someone is to send a report, by local hour (people sleep at night).
const ACTIVITY: [f64; 24] = [
    0.05, 0.03, 0.02, 0.02, 0.05, 0.2, 0.5, 0.8, 0.9, 1.0, 1.0, 0.9, 0.7, 0.7, 0.9, 1.0, 1.0, 1.0,
    0.9, 0.8, 0.7, 0.5, 0.3, 0.1,
];

/// One event before it has its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub at_ms: i64,
    pub district: usize,
    pub lat: f64,
    pub lon: f64,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Report {
        category: String,
        description: String,
        photo: bool,
        /// Name and phone.
        contact: Option<(String, String)>,
    },
    Detection {
        camera: String,
        class: String,
        confidence: f64,
    },
}

/// The scheduled events at or after `start_ms` and before `end_ms`, in time order, and a
/// warning for each entry naming a district the city does not have.
pub fn scheduled(
    spec: &EventsSpec,
    places: &Places,
    seed: u64,
    (start_ms, end_ms): (i64, Option<i64>),
) -> (Vec<Planned>, Vec<String>) {
    let (mut out, mut warnings) = (Vec::new(), Vec::new());
    for (i, e) in spec.scheduled.iter().enumerate() {
        let Some(district) = places.areas.iter().position(|a| a.id == e.district) else {
            warnings.push(format!(
                "events.scheduled[{i}].district = {:?} is not a district of this city: skipped",
                e.district
            ));
            continue;
        };
        for k in 0..e.count {
            let after_s = e.start_after_s + u64::from(k) * e.every_s;
            let at_ms = start_ms + i64::try_from(after_s).unwrap_or(i64::MAX / 2_000) * 1000;
            if end_ms.is_some_and(|end| at_ms >= end) {
                break;
            }
            let mut rng = Rng::new(mix(&[seed, SCHEDULED, i as u64, u64::from(k)]));
            out.push(one(spec, places, e, district, k as usize, at_ms, &mut rng));
        }
    }
    out.sort_by_key(|p| p.at_ms);
    (out, warnings)
}

fn one(
    spec: &EventsSpec,
    places: &Places,
    e: &ScheduledEvent,
    district: usize,
    k: usize,
    at_ms: i64,
    rng: &mut Rng,
) -> Planned {
    let area = &places.areas[district];
    let (mut lat, mut lon) = places.point_in(district, rng);
    let what = match e.kind {
        EventKind::Camera => {
            let camera = match &e.camera {
                Some(c) => places.cameras.iter().find(|cam| cam.id == *c),
                None => area
                    .cameras
                    .get(k % area.cameras.len().max(1))
                    .map(|&c| &places.cameras[c]),
            };
            if let Some(c) = camera {
                (lat, lon) = (c.lat, c.lon);
            }
            let id = e.camera.clone().or_else(|| camera.map(|c| c.id.clone()));
            What::Detection {
                camera: id.unwrap_or_else(|| format!("cam-{}", area.id)),
                class: e.class.clone().unwrap_or_default(),
                confidence: e.confidence.unwrap_or(0.9),
            }
        }
        EventKind::CitizenReport => {
            let category = e.category.clone().unwrap_or_default();
            let r = &spec.citizen_reports;
            What::Report {
                description: e
                    .description
                    .clone()
                    .unwrap_or_else(|| text::describe(&category, area, rng)),
                category,
                photo: rng.chance(r.photo_share),
                contact: rng.chance(r.contact_share).then(|| text::contact(rng)),
            }
        }
    };
    if let (Some(a), Some(o)) = (e.lat, e.lon) {
        (lat, lon) = (a, o);
    }
    Planned {
        at_ms,
        district,
        lat,
        lon,
        what,
    }
}

/// The random events of local day `day` (days since 1970-01-01 local), in time order.
pub fn day(
    spec: &EventsSpec,
    places: &Places,
    seed: u64,
    day: i64,
    utc_offset_ms: i64,
) -> Vec<Planned> {
    let day_start = day * MS_PER_DAY - utc_offset_ms;
    let mut out = Vec::new();
    let r = &spec.citizen_reports;
    if r.per_day > 0.0 {
        for (district, area) in places.areas.iter().enumerate() {
            let mut rng = Rng::new(mix(&[seed, REPORTS, day as u64, hash_str(&area.id)]));
            for _ in 0..rng.poisson(r.per_day) {
                // More reports by day: a time of day accepted as often as people are awake.
                let mut f = rng.f64();
                for _ in 0..64 {
                    if rng.f64() < hourly(&ACTIVITY, f * 24.0) {
                        break;
                    }
                    f = rng.f64();
                }
                let category = pick(&r.categories, &mut rng);
                let (lat, lon) = places.point_in(district, &mut rng);
                out.push(Planned {
                    at_ms: day_start + (f * MS_PER_DAY as f64) as i64,
                    district,
                    lat,
                    lon,
                    what: What::Report {
                        description: text::describe(&category, area, &mut rng),
                        category,
                        photo: rng.chance(r.photo_share),
                        contact: rng.chance(r.contact_share).then(|| text::contact(&mut rng)),
                    },
                });
            }
        }
    }
    let d = &spec.camera_detections;
    if d.per_day > 0.0 {
        for camera in &places.cameras {
            let mut rng = Rng::new(mix(&[seed, DETECTIONS, day as u64, hash_str(&camera.id)]));
            for _ in 0..rng.poisson(d.per_day) {
                let at_ms = day_start + (rng.f64() * MS_PER_DAY as f64) as i64;
                let class = pick(&d.classes, &mut rng);
                let confidence = (rng.range(d.confidence) * 100.0).round() / 100.0;
                out.push(Planned {
                    at_ms,
                    district: camera.district,
                    lat: camera.lat,
                    lon: camera.lon,
                    what: What::Detection {
                        camera: camera.id.clone(),
                        class,
                        confidence,
                    },
                });
            }
        }
    }
    out.sort_by_key(|p| p.at_ms);
    out
}

/// A key drawn in proportion to its weight (keys in sorted order, so the draw is stable).
fn pick(weights: &std::collections::BTreeMap<String, f64>, rng: &mut Rng) -> String {
    let total: f64 = weights.values().sum();
    let mut x = rng.f64() * total;
    for (k, w) in weights {
        if x < *w {
            return k.clone();
        }
        x -= w;
    }
    weights.keys().next_back().cloned().unwrap_or_default()
}
