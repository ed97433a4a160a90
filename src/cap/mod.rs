//! CAP 1.2: the alerts of public rules (`public = true` in the rule file) as warnings for the
//! province's public-warning channels. Pure: an [`Alert`], the [`City`] and the [`Issuer`] in,
//! XML text out; no I/O, no clock (the feed's "now" is an argument). `serve/routes/cap.rs` is
//! the HTTP shell (docs/cap.md).
//!
//! # Layout
//! - `message.rs`: [`document`], one alert as a CAP 1.2 `alert`: `Alert` while it fires or is
//!   acknowledged, `Cancel` (referencing that message) once it resolved; an `info` block in
//!   Vietnamese and one in English.
//! - `hazard.rs`: what kind of warning a signal makes (flood, air, …): CAP categories, event
//!   names, what the public should do, in both languages.
//! - `wording.rs`: the headline and description of one language, from the alert and the city.
//! - `feed.rs`: [`feed`], the Atom 1.0 index of the active warnings, one entry per warning
//!   linking to its CAP document.
//! - `time.rs`: CAP's dateTime: local time with its offset, whole seconds, never `Z`.
//! - `xml.rs`: the small writer both documents use; every text and attribute is escaped.

mod feed;
mod hazard;
mod message;
mod time;
mod wording;
mod xml;

#[cfg(test)]
mod tests;

use crate::alerts::{Alert, AlertState};
use crate::model::City;

pub use feed::feed;
pub use message::document;

/// The CAP 1.2 namespace, on every `alert` element.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// The content type of one warning.
pub const CAP_MEDIA_TYPE: &str = "application/cap+xml";
/// The content type of the index.
pub const ATOM_MEDIA_TYPE: &str = "application/atom+xml";

/// Why a warning could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    /// The alert never fired (it is pending): nothing has been published about it.
    #[error("alert {id} is {state}: it has not been published")]
    NotIssued { id: i64, state: &'static str },
    /// A time outside what CAP's dateTime can write (years 1 to 9999).
    #[error("time {0} ms cannot be written as a CAP dateTime")]
    Time(i64),
}

/// Who publishes, and where its documents are: the same for every message of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// CAP `sender`: `ioc@{city}`, the city's slug (no spaces, commas, `<` or `&`).
    pub sender: String,
    /// What every identifier starts with: `urn:ioc:{city}`.
    pub urn: String,
    /// Where this server answers (`https://ioc.example.vn`), without a trailing `/`: the
    /// documents' links are absolute, as Atom readers and CAP aggregators need them.
    pub base_url: String,
}

impl Issuer {
    /// The issuer for the city whose slug is `city` (`da-nang-demo`), served at `base_url`.
    pub fn new(city: &str, base_url: &str) -> Issuer {
        let city: String = city
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let city = if city.is_empty() {
            "city".to_owned()
        } else {
            city
        };
        Issuer {
            sender: format!("ioc@{city}"),
            urn: format!("urn:ioc:{city}"),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Where the CAP document of alert `id` is served.
    pub fn document_url(&self, id: i64) -> String {
        format!("{}/api/v1/cap/{id}", self.base_url)
    }

    /// Where the index is served.
    pub fn feed_url(&self) -> String {
        format!("{}/api/v1/cap", self.base_url)
    }
}

/// Whether `alert` is an active warning: firing or acknowledged (pending ones have not been
/// published; resolved ones are cancelled).
pub fn is_active(alert: &Alert) -> bool {
    matches!(alert.state, AlertState::Firing | AlertState::Acknowledged)
}

/// The name of the area an alert covers: its district's, or the city's for a city-wide one
/// (or a district the city file does not know, by its id).
fn area_name<'a>(alert: &'a Alert, city: &'a City) -> &'a str {
    match alert.district.as_deref() {
        None => &city.name,
        Some(id) => city
            .district_idx(id)
            .map_or(id, |idx| city.district(idx).name.as_str()),
    }
}
