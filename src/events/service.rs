//! The event service: validates and stores each event once (by id), pushes it to the
//! `events` stream, and applies the rules that open incidents. Blocking: call it from
//! blocking threads.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::decode::{decode, Arrival, EventError};
use super::event::{Event, EventFilter};
use super::repo::EventRepo;
use super::rules::EventRule;
use crate::incidents::{IncidentService, Link, NewIncident};
use crate::model::City;
use crate::shell::RepoError;

/// Events buffered per subscriber of the `events` stream.
pub const CHANGES_CAPACITY: usize = 256;

/// What became of one event.
#[derive(Debug)]
pub enum Received {
    /// Stored now; the incident it opened or joined, if a rule matched.
    Stored(Event),
    /// An event with this id was already stored: this copy changed nothing.
    Duplicate(Event),
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Invalid(#[from] EventError),
    #[error("district {0:?} is outside this sender's scope")]
    OutOfScope(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

pub struct EventService {
    repo: Mutex<Box<dyn EventRepo>>,
    city: Arc<City>,
    rules: Vec<EventRule>,
    incidents: Arc<IncidentService>,
    changes: broadcast::Sender<Event>,
    /// The events posted here over HTTP, for the other replicas (MQTT reaches them all).
    posted: broadcast::Sender<Event>,
}

impl EventService {
    pub fn new(
        repo: Box<dyn EventRepo>,
        city: Arc<City>,
        rules: Vec<EventRule>,
        incidents: Arc<IncidentService>,
    ) -> EventService {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        let (posted, _) = broadcast::channel(CHANGES_CAPACITY);
        EventService {
            repo: Mutex::new(repo),
            city,
            rules,
            incidents,
            changes,
            posted,
        }
    }

    fn repo(&self) -> MutexGuard<'_, Box<dyn EventRepo>> {
        crate::shell::lock::lock(&self.repo)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.changes.subscribe()
    }

    /// Every event newly posted over HTTP on this node.
    pub fn subscribe_posted(&self) -> broadcast::Receiver<Event> {
        self.posted.subscribe()
    }

    /// Takes an event another replica was posted: stored once, pushed, and its rules applied
    /// when this node decides incidents. Blocking.
    pub fn adopt(&self, event: &Event) {
        let inserted = self.repo().insert(event);
        match inserted {
            Ok(true) => {
                self.stored(event.clone());
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(event = %event.id, error = %e, "a replica's event not stored"),
        }
    }

    /// A new event: pushed, then given to the rules.
    fn stored(&self, event: Event) -> Event {
        let _ = self.changes.send(event.clone());
        let incident = match self.apply_rules(&event) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(event = %event.id, error = %e, "an event rule could not open or link its incident");
                None
            }
        };
        Event { incident, ..event }
    }

    /// Validates, checks the sender may report in the event's district (`allowed`), stores
    /// once, tells the stream and applies the rules.
    pub fn receive(
        &self,
        bytes: &[u8],
        at: Arrival<'_>,
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<Received, ReceiveError> {
        let event = decode(bytes, at, &self.city)?;
        if !allowed(&event.district) {
            return Err(ReceiveError::OutOfScope(event.district));
        }
        if !self.repo().insert(&event)? {
            let stored = self.repo().get(&event.id)?.unwrap_or(event);
            return Ok(Received::Duplicate(stored));
        }
        if event.source == "http" {
            let _ = self.posted.send(event.clone());
        }
        Ok(Received::Stored(self.stored(event)))
    }

    /// The first rule matching `e` links it to the open incident of its category in its
    /// district, or opens one when enough matching events arrived within the rule's window.
    fn apply_rules(&self, e: &Event) -> Result<Option<i64>, crate::incidents::IncidentError> {
        let Some(rule) = self.rules.iter().find(|r| r.matches(e)) else {
            return Ok(None);
        };
        if !self.incidents.is_deciding() {
            return Ok(None); // the deciding replica applies them; its changes come back here
        }
        let procedures = self.incidents.procedures();
        let category = rule.category(e, procedures).to_owned();
        let now = e.received_ms;
        // Reports of no known category are unrelated to each other: each opens its own.
        let joins = category != crate::incidents::OTHER;
        if let Some(open) = self
            .incidents
            .working_on(&category, &e.district)?
            .filter(|_| joins)
        {
            self.incidents
                .link(open.id, Link::Event(e.id.clone()), "ioc", now)?;
            return Ok(Some(open.id));
        }
        let window = self.matching(rule, e)?;
        if window.len() < rule.count as usize {
            return Ok(None);
        }
        let (inc, _) = self.incidents.open(
            new_incident(rule, e, &category, procedures, window.len()),
            "ioc",
            Link::Event(e.id.clone()),
            now,
        )?;
        for other in window
            .iter()
            .filter(|o| o.id != e.id && o.incident.is_none())
        {
            self.incidents
                .link(inc.id, Link::Event(other.id.clone()), "ioc", now)?;
        }
        Ok(Some(inc.id))
    }

    /// The events in `e`'s district matching `rule` within its window before `e`.
    fn matching(&self, rule: &EventRule, e: &Event) -> Result<Vec<Event>, RepoError> {
        let found = self.repo().list(&EventFilter {
            kind: rule.kind(),
            district: Some(e.district.clone()),
            since_ms: Some(e.ts_ms - rule.window_ms()),
            limit: rule.count.saturating_mul(4).max(16),
            ..EventFilter::default()
        })?;
        Ok(found
            .into_iter()
            .map(|(_, ev)| ev)
            .filter(|ev| rule.matches(ev) && ev.ts_ms <= e.ts_ms)
            .collect())
    }

    pub fn get(&self, id: &str) -> Result<Option<Event>, RepoError> {
        self.repo().get(id)
    }

    pub fn list(&self, filter: &EventFilter) -> Result<Vec<(i64, Event)>, RepoError> {
        self.repo().list(filter)
    }
}

fn new_incident(
    rule: &EventRule,
    e: &Event,
    category: &str,
    procedures: &crate::incidents::Procedures,
    n: usize,
) -> NewIncident {
    let title = procedures
        .category(category)
        .map_or(category, |c| c.title_vi.as_str());
    let what = e.what();
    NewIncident {
        title: format!("{title}: {what} ({n} × {})", e.kind.as_str()),
        category: category.to_owned(),
        severity: rule.severity(),
        district: e.district.clone(),
        lat: Some(e.lat),
        lon: Some(e.lon),
        description: if e.description.is_empty() {
            format!(
                "rule {}: {n} matching events within {} s",
                rule.id, rule.within_s
            )
        } else {
            e.description.clone()
        },
    }
}
