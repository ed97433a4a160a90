//! The incident service: the pure lifecycle (`lifecycle.rs`) over the repository, one action
//! at a time, and a broadcast of every stored change for the `incidents` stream. Every method
//! but [`subscribe`](IncidentService::subscribe) blocks on the database: call them from
//! blocking threads.

use std::sync::{Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::incident::{Change, Entry, Incident, IncidentFilter, Status};
use super::lifecycle::{self, Action, NewIncident};
use super::procedures::Procedures;
use super::repo::{IncidentRepo, Link};
use super::IncidentError;
use crate::shell::RepoError;

/// Changes buffered per subscriber; a subscriber that falls behind re-reads the open list.
pub const CHANGES_CAPACITY: usize = 256;

/// The most open incidents one read returns (the stream's snapshot, the SLA watch).
pub const MAX_OPEN: u32 = 5_000;

pub struct IncidentService {
    repo: Mutex<Box<dyn IncidentRepo>>,
    procedures: Procedures,
    changes: broadcast::Sender<Change>,
    /// In a cluster: whether this node decides, and where a follower forwards (`replica.rs`).
    pub(super) role: super::replica::Role,
}

impl IncidentService {
    pub fn new(repo: Box<dyn IncidentRepo>, procedures: Procedures) -> IncidentService {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        IncidentService {
            repo: Mutex::new(repo),
            procedures,
            changes,
            role: super::replica::Role::default(),
        }
    }

    pub fn procedures(&self) -> &Procedures {
        &self.procedures
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    pub(super) fn repo(&self) -> MutexGuard<'_, Box<dyn IncidentRepo>> {
        crate::shell::lock::lock(&self.repo)
    }

    pub(super) fn told(
        &self,
        incident: &Incident,
        entry: Entry,
        link: Link,
        request: Option<String>,
    ) {
        let _ = self.changes.send(Change {
            incident: incident.clone(),
            entry,
            link,
            request,
        });
    }

    /// Opens an incident. From an alert or an event that already belongs to one, answers that
    /// one instead (`false`: nothing was opened). On a follower, forwarded.
    pub fn open(
        &self,
        new: NewIncident,
        by: &str,
        link: Link,
        now_ms: i64,
    ) -> Result<(Incident, bool), IncidentError> {
        if !self.is_deciding() {
            let forward = super::replica::Forward::Open { new, link };
            return self.forwarded(forward, by, now_ms).unwrap_or_else(|| {
                Err(IncidentError::Unconfirmed(
                    "the incident role changed; try again".into(),
                ))
            });
        }
        self.open_tagged(new, by, link, now_ms, None)
    }

    pub(super) fn open_tagged(
        &self,
        new: NewIncident,
        by: &str,
        link: Link,
        now_ms: i64,
        request: Option<String>,
    ) -> Result<(Incident, bool), IncidentError> {
        let mut repo = self.repo();
        if let Some(id) = repo.linked_to(&link)? {
            let found = repo
                .get(id)?
                .ok_or_else(|| IncidentError::NotFound(id.to_string()))?;
            return Ok((found, false));
        }
        let from = match &link {
            Link::None => "by hand".to_owned(),
            Link::Alert(a) => format!("from alert {a}"),
            Link::Event(e) => format!("from event {e}"),
        };
        let (mut inc, entry) = lifecycle::open(new, &self.procedures, by, &from, now_ms)?;
        match &link {
            Link::Alert(a) => inc.alerts.push(*a),
            Link::Event(e) => inc.events.push(e.clone()),
            Link::None => {}
        }
        inc.id = repo.create(&inc, &entry, &link)?;
        inc.timeline = vec![entry.clone()];
        drop(repo);
        self.told(&inc, entry, link, request);
        Ok((inc, true))
    }

    /// Applies `action` to incident `id` when `visible` allows the caller to see it (else it
    /// is not found, like an id that does not exist). On a follower, forwarded once the
    /// caller may see the incident here.
    pub fn act(
        &self,
        id: i64,
        action: Action,
        by: &str,
        visible: &dyn Fn(&Incident) -> bool,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        if !self.is_deciding() {
            let seen = self.get(id)?.filter(|i| visible(i)).is_some();
            if !seen {
                return Err(IncidentError::NotFound(id.to_string()));
            }
            let forward = super::replica::Forward::Act { id, action };
            if let Some(done) = self.forwarded(forward, by, now_ms) {
                return done.map(|(i, _)| i);
            }
            return Err(IncidentError::Unconfirmed(
                "the incident role changed; try again".into(),
            ));
        }
        self.act_tagged(id, action, by, visible, now_ms, None)
    }

    pub(super) fn act_tagged(
        &self,
        id: i64,
        action: Action,
        by: &str,
        visible: &dyn Fn(&Incident) -> bool,
        now_ms: i64,
        request: Option<String>,
    ) -> Result<Incident, IncidentError> {
        let mut repo = self.repo();
        let mut inc = repo
            .get(id)?
            .filter(|i| visible(i))
            .ok_or_else(|| IncidentError::NotFound(id.to_string()))?;
        let entry = lifecycle::act(&mut inc, action, &self.procedures, by, now_ms)?;
        repo.update(&inc, &entry, &Link::None)?;
        inc.timeline.push(entry.clone());
        drop(repo);
        self.told(&inc, entry, Link::None, request);
        Ok(inc)
    }

    /// Links an alert or an event to incident `id` (an event rule adding a detection to the
    /// incident it opened). Nothing changes when it is already linked.
    pub fn link(&self, id: i64, link: Link, by: &str, now_ms: i64) -> Result<(), IncidentError> {
        let mut repo = self.repo();
        let Some(mut inc) = repo.get(id)? else {
            return Err(IncidentError::NotFound(id.to_string()));
        };
        let (alert, event) = match &link {
            Link::Alert(a) => (Some(*a), None),
            Link::Event(e) => (None, Some(e.as_str())),
            Link::None => return Ok(()),
        };
        if let Some(entry) = lifecycle::link(&mut inc, alert, event, by, now_ms) {
            repo.update(&inc, &entry, &link)?;
            drop(repo);
            self.told(&inc, entry, link, None);
        }
        Ok(())
    }

    pub fn get(&self, id: i64) -> Result<Option<Incident>, RepoError> {
        self.repo().get(id)
    }

    pub fn list(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, RepoError> {
        self.repo().list(filter)
    }

    /// Every open incident (up to [`MAX_OPEN`]), newest first.
    pub fn open_incidents(&self) -> Result<Vec<Incident>, RepoError> {
        self.newest_open(MAX_OPEN)
    }

    /// The newest `limit` open incidents.
    pub fn newest_open(&self, limit: u32) -> Result<Vec<Incident>, RepoError> {
        self.repo().list(&IncidentFilter {
            status: Some(None),
            limit,
            ..IncidentFilter::default()
        })
    }

    /// The newest incident of `category` in `district` still being worked (not resolved,
    /// closed or cancelled), if any: where an event rule adds a new detection instead of
    /// opening another incident.
    pub fn working_on(
        &self,
        category: &str,
        district: &str,
    ) -> Result<Option<Incident>, RepoError> {
        let found = self.repo().list(&IncidentFilter {
            status: Some(None),
            district: Some(district.to_owned()),
            category: Some(category.to_owned()),
            limit: 10,
            ..IncidentFilter::default()
        })?;
        Ok(found.into_iter().find(|i| i.status != Status::Resolved))
    }

    /// Records the service levels missed by `now_ms` (each once per incident); returns the
    /// changes. Cost: one read of the open incidents, and one read and write of each overdue
    /// one, under the lock (so an operator's change made meanwhile is not written over).
    pub fn check_sla(&self, now_ms: i64) -> Result<Vec<Change>, RepoError> {
        if !self.is_deciding() {
            return Ok(Vec::new()); // the deciding node records breaches; followers adopt them
        }
        let overdue: Vec<i64> = self
            .open_incidents()?
            .iter()
            .filter(|i| !lifecycle::overdue(i, now_ms).is_empty())
            .map(|i| i.id)
            .collect();
        let mut changes = Vec::new();
        for id in overdue {
            let mut repo = self.repo();
            let Some(mut inc) = repo.get(id)? else {
                continue;
            };
            let mut made = Vec::new();
            for target in lifecycle::overdue(&inc, now_ms) {
                let entry = lifecycle::breach(&mut inc, target, now_ms);
                repo.update(&inc, &entry, &Link::None)?;
                inc.timeline.push(entry.clone());
                made.push(entry);
            }
            drop(repo);
            for entry in made {
                self.told(&inc, entry.clone(), Link::None, None);
                changes.push(Change {
                    incident: inc.clone(),
                    entry,
                    link: Link::None,
                    request: None,
                });
            }
        }
        Ok(changes)
    }

    pub fn log_since(&self, since_ms: i64, limit: usize) -> Result<Vec<(i64, Entry)>, RepoError> {
        self.repo().log_since(since_ms, limit)
    }
}
