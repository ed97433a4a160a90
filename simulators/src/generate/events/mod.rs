//! Point events: citizens' field reports and camera-AI detections, as ioc takes them on
//! `{prefix}/events/{district}/{source}` (QoS like readings, a JSON object each).
//!
//! - `place.rs`: districts, their streets and the invented cameras.
//! - `plan.rs`: which events happen when (scheduled, and random per local day).
//! - `text.rs`: Vietnamese descriptions and senders.
//!
//! Ids are `pa-{seed}-{start_ms}-{n}` (reports) and `{camera}-{seed}-{start_ms}-{n}`, `n`
//! counting the run's events in time order: a replay of a recording repeats them (ioc stores
//! each once), while two runs, which start at different times, never share one.

mod place;
mod plan;
mod text;

use std::collections::VecDeque;
use std::sync::Arc;

use ioc::model::City;
use serde::Serialize;

use super::clock::{Local, MS_PER_DAY};
use super::SimMessage;
use crate::faults::FaultSet;
use crate::scenario::EventsSpec;
pub use place::{Camera, Places};
use plan::{Planned, What};

/// The `source` of citizen reports in the topic.
pub const CITIZEN_SOURCE: &str = "citizen-app";

/// The events of one run, in time order, produced a local day ahead at most.
pub struct Events {
    spec: EventsSpec,
    seed: u64,
    utc_offset_ms: i64,
    topic_prefix: String,
    /// `{seed}-{start_ms}`: what makes the ids of this run its own.
    run: String,
    places: Places,
    scheduled: VecDeque<Planned>,
    random: VecDeque<Planned>,
    /// Whether any random events are configured (else no day is ever looked at).
    random_on: bool,
    /// The next local day whose random events are not planned yet.
    next_day: i64,
    start_ms: i64,
    end_ms: Option<i64>,
    counter: u64,
    warnings: Vec<String>,
}

impl Events {
    pub fn new(
        spec: EventsSpec,
        city: &City,
        (seed, utc_offset_ms): (u64, i64),
        topic_prefix: &str,
        (start_ms, end_ms): (i64, Option<i64>),
    ) -> Events {
        let places = Places::new(city, spec.cameras_per_district);
        let (scheduled, warnings) = plan::scheduled(&spec, &places, seed, (start_ms, end_ms));
        let random_on = (spec.citizen_reports.per_day > 0.0 && !places.areas.is_empty())
            || (spec.camera_detections.per_day > 0.0 && !places.cameras.is_empty());
        Events {
            seed,
            utc_offset_ms,
            topic_prefix: topic_prefix.to_owned(),
            run: format!("{seed}-{start_ms}"),
            scheduled: scheduled.into(),
            random: VecDeque::new(),
            random_on,
            next_day: Local::at(start_ms, utc_offset_ms).day,
            places,
            spec,
            start_ms,
            end_ms,
            counter: 0,
            warnings,
        }
    }

    /// The cameras events come from.
    pub fn cameras(&self) -> &[Camera] {
        &self.places.cameras
    }

    /// What of the scenario this city cannot play.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Events emitted so far.
    pub fn count(&self) -> u64 {
        self.counter
    }

    /// The next event if it is due at or before `limit` (`None`: whenever it is), and before
    /// the end of the run.
    pub fn next_before(&mut self, limit: Option<i64>) -> Option<SimMessage> {
        loop {
            let s = self.scheduled.front().map(|p| p.at_ms);
            let r = self.random.front().map(|p| p.at_ms);
            let t = match (s, r) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            // Random events of a day not planned yet may come before `t`.
            let horizon = self.next_day * MS_PER_DAY - self.utc_offset_ms;
            if self.random_on
                && t.is_none_or(|t| t >= horizon)
                && limit.is_none_or(|l| horizon <= l)
                && self.end_ms.is_none_or(|e| horizon < e)
            {
                let day = plan::day(
                    &self.spec,
                    &self.places,
                    self.seed,
                    self.next_day,
                    self.utc_offset_ms,
                );
                let (start, end) = (self.start_ms, self.end_ms);
                self.random.extend(
                    day.into_iter()
                        .filter(|p| p.at_ms >= start && end.is_none_or(|e| p.at_ms < e)),
                );
                self.next_day += 1;
                continue;
            }
            let t = t?;
            if self.end_ms.is_some_and(|e| t >= e) || limit.is_some_and(|l| t > l) {
                return None;
            }
            // Ties go to the scheduled event.
            let p = if s == Some(t) {
                self.scheduled.pop_front()
            } else {
                self.random.pop_front()
            }?;
            return Some(self.message(p));
        }
    }

    fn message(&mut self, p: Planned) -> SimMessage {
        self.counter += 1;
        let district = &self.places.areas[p.district].id;
        let media = self.spec.media_url.trim_end_matches('/');
        let link = |path: String| (!media.is_empty()).then(|| format!("{media}/{path}"));
        let (source, payload) = match &p.what {
            What::Report {
                category,
                description,
                photo,
                contact,
            } => {
                let id = format!("pa-{}-{:06}", self.run, self.counter);
                let body = Report {
                    kind: "citizen_report",
                    category,
                    district,
                    lat: p.lat,
                    lon: p.lon,
                    ts: p.at_ms,
                    description,
                    photo_url: photo.then(|| link(format!("reports/{id}.jpg"))).flatten(),
                    contact: contact
                        .as_ref()
                        .map(|(name, phone)| Contact { name, phone }),
                    id: &id,
                };
                (CITIZEN_SOURCE, serde_json::to_vec(&body))
            }
            What::Detection {
                camera,
                class,
                confidence,
            } => {
                let id = format!("{camera}-{}-{:06}", self.run, self.counter);
                let body = Detection {
                    kind: "camera",
                    camera,
                    class,
                    confidence: *confidence,
                    district,
                    lat: p.lat,
                    lon: p.lon,
                    ts: p.at_ms,
                    snapshot_url: link(format!("cameras/{camera}/{id}.jpg")),
                    id: &id,
                };
                (camera.as_str(), serde_json::to_vec(&body))
            }
        };
        SimMessage {
            sim_ms: p.at_ms,
            topic: Arc::from(format!("{}/events/{district}/{source}", self.topic_prefix)),
            // Serializing strings and numbers cannot fail.
            payload: payload.unwrap_or_default(),
            faults: FaultSet::default(),
        }
    }
}

/// A citizen report as ioc takes it (`events/decode.rs`); fields in this order.
#[derive(Serialize)]
struct Report<'a> {
    id: &'a str,
    kind: &'static str,
    category: &'a str,
    district: &'a str,
    lat: f64,
    lon: f64,
    ts: i64,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<Contact<'a>>,
}

#[derive(Serialize)]
struct Contact<'a> {
    name: &'a str,
    phone: &'a str,
}

/// A camera detection as ioc takes it.
#[derive(Serialize)]
struct Detection<'a> {
    id: &'a str,
    kind: &'static str,
    camera: &'a str,
    class: &'a str,
    confidence: f64,
    district: &'a str,
    lat: f64,
    lon: f64,
    ts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_url: Option<String>,
}

#[cfg(test)]
mod tests;
