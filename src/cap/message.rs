//! One public warning as a CAP 1.2 `alert` (docs/cap.md has the mapping table).
//!
//! While the alert fires or is acknowledged the message is an `Alert`, sent when it fired.
//! Once it resolved it is a `Cancel`, sent when it resolved, whose `references` name that
//! `Alert` (`sender,identifier,sent`), so a channel withdraws it. A resolved alert that fires
//! again (flapping) is a new `Alert` with an identifier of its own (`….{n}`, the n-th firing
//! again), since CAP identifiers name one message each.

use super::hazard::{all_clear, sender_name, severity, urgency, Lang};
use super::time::cap_time;
use super::wording::Facts;
use super::xml::Xml;
use super::{CapError, Issuer, CAP_NAMESPACE};
use crate::alerts::{Alert, AlertState};
use crate::model::City;

/// Which message an alert is now, with the times it is sent at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Firing or acknowledged since `fired_ms`.
    Alert { fired_ms: i64 },
    /// Fired at `fired_ms`, resolved at `resolved_ms` (or reopened and pending again: until
    /// it fires, what was last published about it is still the cancellation).
    Cancel { fired_ms: i64, resolved_ms: i64 },
}

impl Kind {
    /// The message `alert` stands for; `NotIssued` for an alert that never fired.
    pub(super) fn of(alert: &Alert) -> Result<Kind, CapError> {
        match (alert.state, alert.fired_ms, alert.resolved_ms) {
            (AlertState::Firing | AlertState::Acknowledged, Some(fired_ms), _) => {
                Ok(Kind::Alert { fired_ms })
            }
            (AlertState::Resolved, Some(fired_ms), resolved) => Ok(Kind::Cancel {
                fired_ms,
                resolved_ms: resolved.unwrap_or(alert.updated_ms),
            }),
            (AlertState::Pending, Some(fired_ms), Some(resolved_ms)) => Ok(Kind::Cancel {
                fired_ms,
                resolved_ms,
            }),
            _ => Err(CapError::NotIssued {
                id: alert.id,
                state: alert.state.as_str(),
            }),
        }
    }
}

/// The `identifier` of the `Alert` message of the alert's current (or last) firing:
/// `urn:ioc:{city}:alert:{id}`, then `….{n}` for its n-th firing again.
pub(super) fn identifier(issuer: &Issuer, alert: &Alert) -> String {
    match alert.flap_count {
        0 => format!("{}:alert:{}", issuer.urn, alert.id),
        n => format!("{}:alert:{}.{n}", issuer.urn, alert.id),
    }
}

/// The CAP 1.2 document of a public alert: an `Alert` while it fires or is acknowledged, a
/// `Cancel` once it resolved; `NotIssued` for one still pending its first firing.
pub fn document(alert: &Alert, city: &City, issuer: &Issuer) -> Result<String, CapError> {
    let kind = Kind::of(alert)?;
    let original = identifier(issuer, alert);
    let mut x = Xml::new();
    x.open("alert", &[("xmlns", CAP_NAMESPACE)]);
    let at = match kind {
        Kind::Alert { fired_ms } => {
            let fired = cap_time(&city.zone, fired_ms)?;
            header(&mut x, &original, issuer, &fired, "Alert");
            x.leaf("incidents", &incident(issuer, alert));
            fired
        }
        Kind::Cancel {
            fired_ms,
            resolved_ms,
        } => {
            let fired = cap_time(&city.zone, fired_ms)?;
            let resolved = cap_time(&city.zone, resolved_ms)?;
            header(
                &mut x,
                &format!("{original}:cancel"),
                issuer,
                &resolved,
                "Cancel",
            );
            x.leaf("note", "The warning has ended: the condition cleared.");
            x.leaf(
                "references",
                &format!("{},{original},{fired}", issuer.sender),
            );
            x.leaf("incidents", &incident(issuer, alert));
            resolved
        }
    };
    let facts = Facts::of(alert, city);
    for lang in Lang::BOTH {
        info(&mut x, &facts, kind, &at, city, issuer, lang);
    }
    Ok(x.finish())
}

/// `identifier` to `scope`, in the schema's order.
fn header(x: &mut Xml, identifier: &str, issuer: &Issuer, sent: &str, msg_type: &str) {
    x.leaf("identifier", identifier)
        .leaf("sender", &issuer.sender)
        .leaf("sent", sent)
        .leaf("status", "Actual")
        .leaf("msgType", msg_type)
        .leaf("scope", "Public");
}

/// What every message about one alert shares, whichever firing: `urn:ioc:{city}:alert:{id}`.
fn incident(issuer: &Issuer, alert: &Alert) -> String {
    format!("{}:alert:{}", issuer.urn, alert.id)
}

/// One `info` block in `lang`, in the schema's order.
fn info(
    x: &mut Xml,
    facts: &Facts<'_>,
    kind: Kind,
    at: &str,
    city: &City,
    issuer: &Issuer,
    lang: Lang,
) {
    let ended = matches!(kind, Kind::Cancel { .. });
    let hazard = facts.hazard;
    let alert = facts.alert;
    x.open("info", &[]);
    x.leaf("language", lang.tag());
    for category in hazard.categories() {
        x.leaf("category", category);
    }
    x.leaf("event", hazard.event(lang));
    if ended {
        x.leaf("responseType", "AllClear");
    } else {
        for response in hazard.responses() {
            x.leaf("responseType", response);
        }
    }
    x.leaf(
        "urgency",
        if ended {
            "Past"
        } else {
            urgency(alert.severity)
        },
    )
    .leaf("severity", severity(alert.severity))
    .leaf("certainty", "Observed")
    .leaf("senderName", &sender_name(&city.name, lang))
    .leaf("headline", &facts.headline(ended, lang))
    .leaf("description", &facts.description(ended, at, lang))
    .leaf(
        "instruction",
        if ended {
            all_clear(lang)
        } else {
            hazard.instruction(lang)
        },
    )
    .leaf("web", &issuer.document_url(alert.id));
    for (name, value) in facts.parameters() {
        x.open("parameter", &[])
            .leaf("valueName", &name)
            .leaf("value", &value)
            .close();
    }
    area(x, facts, city);
    x.close();
}

/// The `area`: the district (its name, its polygon, its id as a geocode), or for a city-wide
/// alert the city with every district's polygon.
fn area(x: &mut Xml, facts: &Facts<'_>, city: &City) {
    x.open("area", &[]);
    x.leaf("areaDesc", facts.area);
    let district = facts
        .alert
        .district
        .as_deref()
        .and_then(|id| city.district_idx(id))
        .map(|idx| city.district(idx));
    let rings: Vec<&[[f64; 2]]> = match (&facts.alert.district, district) {
        (Some(_), Some(d)) => vec![d.polygon.as_slice()],
        (Some(_), None) => Vec::new(),
        (None, _) => city
            .districts
            .iter()
            .map(|d| d.polygon.as_slice())
            .collect(),
    };
    for ring in rings.into_iter().filter_map(polygon) {
        x.leaf("polygon", &ring);
    }
    if let Some(d) = district {
        x.open("geocode", &[])
            .leaf("valueName", "ioc:district")
            .leaf("value", &d.id)
            .close();
    }
    x.close();
}

/// A CAP `polygon` of a ring of `[lon, lat]` points: `lat,lon` pairs separated by spaces,
/// closed (the first pair repeated last), at least four pairs; `None` for a ring with fewer
/// than three points or a coordinate that is not a number.
pub(super) fn polygon(ring: &[[f64; 2]]) -> Option<String> {
    if ring.len() < 3 || ring.iter().flatten().any(|c| !c.is_finite()) {
        return None;
    }
    let mut points: Vec<[f64; 2]> = ring.to_vec();
    if points.first() != points.last() {
        points.push(points[0]);
    }
    if points.len() < 4 {
        return None;
    }
    let pairs: Vec<String> = points
        .iter()
        .map(|[lon, lat]| format!("{lat},{lon}"))
        .collect();
    Some(pairs.join(" "))
}
