//! The bodies of the incident routes and their checks: each refusal names the field and what
//! it may hold.

use serde::Deserialize;

use crate::alerts::Severity;
use crate::incidents::Status;
use crate::model::{char_name, forbidden_char};
use crate::serve::error::ApiError;

/// Largest body of an incident route.
pub(super) const MAX_BYTES: usize = 16 * 1024;

/// The incident routes' body settings: 16 KiB, answered from the one error table.
pub(crate) fn json() -> actix_web::web::JsonConfig {
    crate::serve::routes::alerts::ack_json().limit(MAX_BYTES)
}

/// Refuses over-long text and characters that would make the record read other than it is.
pub(super) fn text(field: &str, value: &str, max: usize, lines: bool) -> Result<String, ApiError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ApiError::InvalidBody(format!(
            "`{field}` is at most {max} characters"
        )));
    }
    let allowed: &[char] = if lines { &['\n', '\t'] } else { &[] };
    if let Some(c) = forbidden_char(v, allowed) {
        return Err(ApiError::InvalidBody(format!(
            "`{field}` may not hold {}, a control or text-direction character",
            char_name(c)
        )));
    }
    Ok(v.to_owned())
}

fn required(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = text(field, value, max, false)?;
    if v.is_empty() {
        return Err(ApiError::InvalidBody(format!(
            "`{field}` must not be empty"
        )));
    }
    Ok(v)
}

/// `POST /api/v1/incidents`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Create {
    pub title: String,
    pub category: String,
    pub severity: String,
    pub district: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub description: String,
}

/// A checked [`Create`].
pub(super) struct Checked {
    pub title: String,
    pub severity: Severity,
    pub description: String,
    pub point: (Option<f64>, Option<f64>),
}

impl Create {
    pub(super) fn check(&self) -> Result<Checked, ApiError> {
        let severity = severity(&self.severity)?;
        let point = match (self.lat, self.lon) {
            (None, None) => (None, None),
            (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
                (Some(lat), Some(lon))
            }
            _ => {
                return Err(ApiError::InvalidBody(
                    "`lat` and `lon` come together: -90 to 90 and -180 to 180".into(),
                ))
            }
        };
        Ok(Checked {
            title: required("title", &self.title, 200)?,
            severity,
            description: text("description", &self.description, 4000, true)?,
            point,
        })
    }
}

pub(super) fn severity(s: &str) -> Result<Severity, ApiError> {
    Severity::parse(s).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "`severity` {:?} is not critical, major, minor or warning",
            crate::model::truncate(s, 32)
        ))
    })
}

/// `POST /api/v1/alerts/{id}/incident` and `/api/v1/events/{id}/incident`: all optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct From {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Assign {
    pub assignee: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Comment {
    pub text: String,
}

impl Comment {
    pub(super) fn check(&self) -> Result<String, ApiError> {
        let t = text("text", &self.text, 2000, true)?;
        if t.is_empty() {
            return Err(ApiError::InvalidBody("`text` must not be empty".into()));
        }
        Ok(t)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetStatus {
    pub status: String,
}

impl SetStatus {
    pub(super) fn check(&self) -> Result<Status, ApiError> {
        Status::parse(&self.status).ok_or_else(|| {
            ApiError::InvalidBody(format!(
                "`status` {:?} is not assigned, in_progress, resolved, closed or cancelled",
                crate::model::truncate(&self.status, 32)
            ))
        })
    }
}

/// A body that may be left out: empty (or only white space) is the default.
pub(super) fn optional<T: serde::de::DeserializeOwned + Default>(
    raw: &[u8],
) -> Result<T, ApiError> {
    if raw.len() > MAX_BYTES {
        return Err(ApiError::PayloadTooLarge { max: MAX_BYTES });
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw).map_err(|e| ApiError::InvalidBody(e.to_string()))
}

/// `POST /api/v1/incidents/{id}/checklist/{step}`: ticks, or unticks with `done: false`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tick {
    #[serde(default = "yes")]
    pub done: bool,
}

fn yes() -> bool {
    true
}

impl Default for Tick {
    fn default() -> Self {
        Tick { done: true }
    }
}
