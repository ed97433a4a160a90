//! The index of the active public warnings as an Atom 1.0 feed (RFC 4287), as CAP
//! aggregators read one: an entry per warning whose `id` is its CAP identifier and whose
//! `alternate` link is its CAP document.

use super::hazard::Lang;
use super::message::{identifier, Kind};
use super::time::cap_time;
use super::wording::Facts;
use super::xml::Xml;
use super::{is_active, CapError, Issuer, ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE};
use crate::alerts::Alert;
use crate::model::City;

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// The feed of `alerts` that are active (the others are left out), as of `now_ms`. The caller
/// passes only alerts of public rules.
pub fn feed(
    alerts: &[Alert],
    city: &City,
    issuer: &Issuer,
    now_ms: i64,
) -> Result<String, CapError> {
    let mut x = Xml::new();
    x.open("feed", &[("xmlns", ATOM_NAMESPACE)]);
    x.leaf("id", &format!("{}:cap", issuer.urn))
        .leaf(
            "title",
            &format!(
                "Cảnh báo công cộng – {0} / Public warnings – {0}",
                city.name
            ),
        )
        .leaf("updated", &cap_time(&city.zone, now_ms)?);
    x.open("author", &[]).leaf("name", &issuer.sender).close();
    x.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", ATOM_MEDIA_TYPE),
            ("href", &issuer.feed_url()),
        ],
    );
    for alert in alerts.iter().filter(|a| is_active(a)) {
        entry(&mut x, alert, city, issuer)?;
    }
    Ok(x.finish())
}

/// One warning: its headline and description in both languages, its categories, and the
/// link to its CAP document.
fn entry(x: &mut Xml, alert: &Alert, city: &City, issuer: &Issuer) -> Result<(), CapError> {
    let Kind::Alert { fired_ms } = Kind::of(alert)? else {
        return Ok(());
    };
    let fired = cap_time(&city.zone, fired_ms)?;
    let facts = Facts::of(alert, city);
    x.open("entry", &[]);
    x.leaf("id", &identifier(issuer, alert))
        .leaf(
            "title",
            &format!(
                "{} / {}",
                facts.headline(false, Lang::Vi),
                facts.headline(false, Lang::En)
            ),
        )
        .leaf("updated", &cap_time(&city.zone, alert.updated_ms)?)
        .leaf("published", &fired)
        .leaf(
            "summary",
            &format!(
                "{}\n\n{}",
                facts.description(false, &fired, Lang::Vi),
                facts.description(false, &fired, Lang::En)
            ),
        );
    for category in facts.hazard.categories() {
        x.empty("category", &[("term", category)]);
    }
    x.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", CAP_MEDIA_TYPE),
            ("href", &issuer.document_url(alert.id)),
        ],
    );
    x.close();
    Ok(())
}
