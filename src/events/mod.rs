//! Events: point observations from people and cameras. Citizens' field reports (phản ánh hiện
//! trường) and camera-AI detections arrive over MQTT (`{prefix}/events/{district}/{source}`)
//! and over `POST /api/v1/events`, are validated with reasons like readings, stored once by
//! id, pushed on the `events` stream, and turned into incidents by rules.
//!
//! - `event.rs`: [`Event`], [`Kind`], [`Contact`] (operators only), [`EventFilter`].
//! - `decode.rs`: [`decode`], validation to an event or an [`EventError`] with its reason.
//! - `rules.rs`: [`EventRule`], `[[events.rules]]`.
//! - `repo.rs`: [`EventRepo`], what the service needs of storage.
//! - `service.rs`: [`EventService`]: store once, push, apply rules.
//!
//! Cost per event: one insert; per matching rule one indexed read of the district's window
//! and, when it opens or joins an incident, one incident write.

mod decode;
mod event;
mod repo;
mod rules;
mod service;
mod settings;

pub use decode::{decode, Arrival, EventError, MAX_EVENT_BYTES};
pub use event::{Contact, Event, EventFilter, Kind};
pub use repo::EventRepo;
pub use rules::{validate as validate_rules, EventRule};
pub use service::{EventService, ReceiveError, Received, CHANGES_CAPACITY};
pub use settings::EventSettings;

#[cfg(test)]
mod tests;
