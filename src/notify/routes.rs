//! `[[notify.routes]]`: which channels an alert change goes to. Without routes every change
//! goes to every configured channel; with routes, to the channels of the routes it matches.
//! Pure.

use serde::Deserialize;

use crate::alerts::{Alert, Severity};
use crate::setting::Invalid;

/// The events a route may name.
pub const EVENTS: [&str; 4] = [
    "alert.firing",
    "alert.acknowledged",
    "alert.resolved",
    "alert.escalated",
];

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

    fn matches(&self, a: &Alert, event: &str) -> bool {
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        self.least().is_none_or(|m| a.severity >= m)
            && any(&self.domains, &a.domain)
            && any(&self.districts, a.district.as_deref().unwrap_or(""))
            && any(&self.rules, &a.rule_id)
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
        self.channels
            .iter()
            .filter(|c| {
                self.routes.is_empty()
                    || self
                        .routes
                        .iter()
                        .any(|r| r.channels.contains(c) && r.matches(alert, event))
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
        if let Some(e) = r.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            return Err(Invalid::new(
                &key,
                format!("event {e:?}"),
                EVENTS.join(", "),
            ));
        }
    }
    Ok(())
}
