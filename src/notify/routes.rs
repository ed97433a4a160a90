//! `[[notify.routes]]`: which channels an alert or incident change goes to. Without routes
//! every change goes to every configured channel; with routes, to the channels of the routes it
//! matches. Pure.

use serde::Deserialize;

use crate::alerts::{Alert, Severity};
use crate::setting::Invalid;

/// The alert events a route may name (besides [`crate::incidents::EVENTS`]).
pub const EVENTS: [&str; 4] = [
    "alert.firing",
    "alert.acknowledged",
    "alert.resolved",
    "alert.escalated",
];

/// What a route matches a change on: its severity, domain, district and rule.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub severity: Severity,
    pub domain: &'a str,
    pub district: Option<&'a str>,
    /// The alert's rule; `None` for an incident (a route naming rules does not match it).
    pub rule: Option<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn of_alert(a: &'a Alert) -> Facts<'a> {
        Facts {
            severity: a.severity,
            domain: &a.domain,
            district: a.district.as_deref(),
            rule: Some(&a.rule_id),
        }
    }
}

fn known_event(e: &str) -> bool {
    EVENTS.contains(&e) || crate::incidents::EVENTS.contains(&e)
}

/// One route: what it matches (each list empty: anything) and where it sends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The least severity routed: `warning` < `minor` < `major` < `critical`.
    #[serde(default)]
    pub min_severity: Option<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub districts: Vec<String>,
    /// Rule ids.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
    /// `webhook` and/or `email`.
    pub channels: Vec<String>,
}

impl Route {
    /// Its least severity, when it names a valid one (`validate` refuses the others).
    fn least(&self) -> Option<Severity> {
        self.min_severity.as_deref().and_then(Severity::parse)
    }

    fn matches(&self, f: &Facts<'_>, event: &str) -> bool {
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        self.least().is_none_or(|m| f.severity >= m)
            && any(&self.domains, f.domain)
            && any(&self.districts, f.district.unwrap_or(""))
            && (self.rules.is_empty() || f.rule.is_some_and(|r| any(&self.rules, r)))
            && any(&self.events, event)
    }
}

/// The routes and the channels configured.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    routes: Vec<Route>,
    channels: Vec<String>,
}

impl Routes {
    pub fn new(routes: Vec<Route>, channels: Vec<String>) -> Routes {
        Routes { routes, channels }
    }

    /// The channels `alert`'s `event` goes to, in configuration order.
    pub fn channels_for(&self, alert: &Alert, event: &str) -> Vec<&str> {
        self.channels_of(&Facts::of_alert(alert), event)
    }

    /// The channels a change with these `facts` goes to for `event`.
    pub fn channels_of(&self, facts: &Facts<'_>, event: &str) -> Vec<&str> {
        self.channels
            .iter()
            .filter(|c| {
                self.routes.is_empty()
                    || self
                        .routes
                        .iter()
                        .any(|r| r.channels.contains(c) && r.matches(facts, event))
            })
            .map(String::as_str)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }
}

/// Refuses a route naming a channel that is not configured or an unknown event.
pub fn validate(routes: &[Route], channels: &[String]) -> Result<(), Invalid> {
    for (i, r) in routes.iter().enumerate() {
        let key = format!("notify.routes[{i}]");
        if r.channels.is_empty() {
            return Err(Invalid::new(&key, "channels = []", "at least one channel"));
        }
        if let Some(c) = r.channels.iter().find(|c| !channels.contains(c)) {
            return Err(Invalid::new(
                &key,
                format!("channel {c:?}"),
                format!("a configured channel: {}", channels.join(", ")),
            ));
        }
        if let Some(s) = r
            .min_severity
            .as_deref()
            .filter(|s| Severity::parse(s).is_none())
        {
            return Err(Invalid::new(
                &key,
                format!("min_severity {s:?}"),
                "warning, minor, major or critical",
            ));
        }
        if let Some(e) = r.events.iter().find(|e| !known_event(e)) {
            let known = [&EVENTS[..], &crate::incidents::EVENTS[..]].concat();
            return Err(Invalid::new(&key, format!("event {e:?}"), known.join(", ")));
        }
    }
    Ok(())
}
