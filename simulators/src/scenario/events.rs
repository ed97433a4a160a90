//! `[events]`: point events — citizens' field reports and camera-AI detections — published on
//! `{prefix}/events/{district}/{source}`: scheduled ones and random ones per local day.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::spec::{at_least, share, span, Invalid};

/// The two kinds of event ioc takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CitizenReport,
    Camera,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CitizenReport => "citizen_report",
            EventKind::Camera => "camera",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsSpec {
    /// Cameras per district, `cam-{district}-{n}`, each at a fixed point inside its district
    /// (the same for every seed: cameras do not move).
    pub cameras_per_district: u32,
    /// Prefix of the reports' `photo_url` and the cameras' `snapshot_url`; empty: no links.
    pub media_url: String,
    pub citizen_reports: CitizenReports,
    pub camera_detections: CameraDetections,
    pub scheduled: Vec<ScheduledEvent>,
}

impl Default for EventsSpec {
    fn default() -> Self {
        EventsSpec {
            cameras_per_district: 3,
            media_url: "https://example.com/ioc-sim".into(),
            citizen_reports: CitizenReports::default(),
            camera_detections: CameraDetections::default(),
            scheduled: Vec::new(),
        }
    }
}

/// Random citizen reports (phản ánh hiện trường): a Poisson number per district and local
/// day, more by day than at night, in Vietnamese.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CitizenReports {
    /// Per district and day; 0 (the default) or at least 0.01.
    pub per_day: f64,
    /// Category → weight, e.g. `{ pothole = 3, flooding = 1 }`.
    pub categories: BTreeMap<String, f64>,
    /// Share of reports with a photo link, and with the sender's name and phone.
    pub photo_share: f64,
    pub contact_share: f64,
}

impl Default for CitizenReports {
    fn default() -> Self {
        let mix = [
            ("pothole", 3.0),
            ("garbage", 3.0),
            ("jam", 2.0),
            ("noise", 2.0),
            ("fallen_tree", 1.0),
            ("flooding", 1.0),
            ("smoke", 1.0),
            ("accident", 0.5),
        ];
        CitizenReports {
            per_day: 0.0,
            categories: mix.iter().map(|(k, w)| ((*k).to_owned(), *w)).collect(),
            photo_share: 0.5,
            contact_share: 0.5,
        }
    }
}

/// Random camera-AI detections: a Poisson number per camera and day, at any hour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraDetections {
    /// Per camera and day; 0 (the default) or at least 0.01.
    pub per_day: f64,
    /// Class → weight.
    pub classes: BTreeMap<String, f64>,
    /// Range the confidence is drawn from, 0..1.
    pub confidence: [f64; 2],
}

impl Default for CameraDetections {
    fn default() -> Self {
        let mix = [
            ("illegal_parking", 6.0),
            ("jam", 3.0),
            ("crowd", 2.0),
            ("accident", 0.2),
        ];
        CameraDetections {
            per_day: 0.0,
            classes: mix.iter().map(|(k, w)| ((*k).to_owned(), *w)).collect(),
            confidence: [0.4, 0.95],
        }
    }
}

/// One scheduled event, or `count` of them `every_s` apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledEvent {
    pub start_after_s: u64,
    pub kind: EventKind,
    pub district: String,
    /// Citizen reports: what is reported (flooding, pothole, garbage, …).
    #[serde(default)]
    pub category: Option<String>,
    /// Cameras: what was detected (flooding, accident, illegal_parking, crowd, jam).
    #[serde(default)]
    pub class: Option<String>,
    /// Cameras: 0..1; default 0.9.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Cameras: which one; default the district's cameras in turn.
    #[serde(default)]
    pub camera: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default = "minute")]
    pub every_s: u64,
    /// Default: a Vietnamese description of the category (citizen reports only).
    #[serde(default)]
    pub description: Option<String>,
    /// Default: a point inside the district (citizen reports), the camera's place (cameras).
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

fn one() -> u32 {
    1
}

fn minute() -> u64 {
    60
}

impl EventsSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if self.cameras_per_district > 100 {
            return Err((
                "events.cameras_per_district".into(),
                format!("= {} must be 0 to 100", self.cameras_per_district),
            ));
        }
        let url = &self.media_url;
        let url_ok = url.is_empty()
            || ((url.starts_with("https://") || url.starts_with("http://"))
                && !url.contains(char::is_whitespace)
                && url.len() <= 200);
        if !url_ok {
            return Err((
                "events.media_url".into(),
                format!("= {url:?} must be empty or an http(s):// URL without spaces"),
            ));
        }
        let c = &self.citizen_reports;
        rate("events.citizen_reports.per_day", c.per_day)?;
        mix(
            "events.citizen_reports.categories",
            &c.categories,
            c.per_day,
        )?;
        share("events.citizen_reports.photo_share", c.photo_share)?;
        share("events.citizen_reports.contact_share", c.contact_share)?;
        let d = &self.camera_detections;
        rate("events.camera_detections.per_day", d.per_day)?;
        mix("events.camera_detections.classes", &d.classes, d.per_day)?;
        span("events.camera_detections.confidence", d.confidence, 0.0)?;
        share("events.camera_detections.confidence", d.confidence[1])?;
        if d.per_day > 0.0 && self.cameras_per_district == 0 {
            return Err((
                "events.cameras_per_district".into(),
                "= 0, but camera_detections.per_day asks for detections".into(),
            ));
        }
        for (i, e) in self.scheduled.iter().enumerate() {
            e.validate(&format!("events.scheduled[{i}]"), self.cameras_per_district)?;
        }
        Ok(())
    }
}

impl ScheduledEvent {
    fn validate(&self, key: &str, cameras: u32) -> Result<(), Invalid> {
        let k = |name: &str| format!("{key}.{name}");
        let (wanted, other) = match self.kind {
            EventKind::CitizenReport => (("category", &self.category), ("class", &self.class)),
            EventKind::Camera => (("class", &self.class), ("category", &self.category)),
        };
        match wanted.1 {
            None => {
                return Err((
                    k(wanted.0),
                    format!("is required for kind {}", self.kind.as_str()),
                ))
            }
            Some(w) => name(&k(wanted.0), w)?,
        }
        if other.1.is_some() {
            return Err((
                k(other.0),
                format!("is not for kind {}", self.kind.as_str()),
            ));
        }
        if !is_id(&self.district) {
            return Err((
                k("district"),
                format!("= {:?} is not a district id", self.district),
            ));
        }
        match self.kind {
            EventKind::Camera => {
                if let Some(c) = self.confidence {
                    share(&k("confidence"), c)?;
                }
                match &self.camera {
                    Some(c) if !is_id(c) => {
                        return Err((k("camera"), format!("= {c:?}: 1 to 64 of a-z 0-9 - _ .")))
                    }
                    None if cameras == 0 => {
                        return Err((
                            k("camera"),
                            "is required when events.cameras_per_district is 0".into(),
                        ))
                    }
                    _ => {}
                }
                if self.description.is_some() {
                    return Err((k("description"), "is for citizen reports".into()));
                }
            }
            EventKind::CitizenReport => {
                if self.confidence.is_some() || self.camera.is_some() {
                    return Err((k("confidence"), "and camera are for camera events".into()));
                }
            }
        }
        if !(1..=10_000).contains(&self.count) {
            return Err((k("count"), format!("= {} must be 1 to 10000", self.count)));
        }
        if self.count > 1 && self.every_s == 0 {
            return Err((k("every_s"), "must be at least 1 when count > 1".into()));
        }
        if let Some(d) = &self.description {
            let bad =
                d.trim().is_empty() || d.chars().count() > 2000 || d.chars().any(char::is_control);
            if bad {
                return Err((
                    k("description"),
                    "must be 1 to 2000 characters without control characters".into(),
                ));
            }
        }
        match (self.lat, self.lon) {
            (None, None) => Ok(()),
            (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.abs() <= 180.0 => Ok(()),
            _ => Err((
                k("lat"),
                "and lon go together: degrees, -90..90 and -180..180".into(),
            )),
        }
    }
}

/// 0 (off) or at least 0.01 a day: a rarer rate would make the generator look days ahead.
fn rate(key: &str, v: f64) -> Result<(), Invalid> {
    if v == 0.0 || (v.is_finite() && (0.01..=100_000.0).contains(&v)) {
        Ok(())
    } else {
        Err((key.to_owned(), format!("= {v} must be 0 or 0.01 to 100000")))
    }
}

fn mix(key: &str, weights: &BTreeMap<String, f64>, per_day: f64) -> Result<(), Invalid> {
    for (n, w) in weights {
        name(&format!("{key}.{n}"), n)?;
        at_least(&format!("{key}.{n}"), *w, 0.0)?;
    }
    if per_day > 0.0 && weights.values().sum::<f64>() <= 0.0 {
        return Err((key.to_owned(), "needs a weight above 0".into()));
    }
    Ok(())
}

/// A category or class as ioc takes it: an id, lower case.
fn name(key: &str, v: &str) -> Result<(), Invalid> {
    if is_id(v) && !v.chars().any(|c| c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err((
            key.to_owned(),
            format!("= {v:?}: 1 to 64 of a-z 0-9 - _ . (e.g. flooding)"),
        ))
    }
}

/// ioc's id rule (`model::is_valid_id`, not exported): 1 to 64 of a-z A-Z 0-9 - _ ., not
/// dots only.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !s.bytes().all(|b| b == b'.')
}
