//! [`EventRepo`]: what the event service needs from storage (`store::SqliteEvents`, the
//! `events` table of the store's database file). Blocking.

use super::event::{Event, EventFilter};
use crate::shell::RepoError;

pub trait EventRepo: Send + 'static {
    /// Stores `e` unless an event with its id exists; true when it was new.
    fn insert(&mut self, e: &Event) -> Result<bool, RepoError>;
    fn get(&self, id: &str) -> Result<Option<Event>, RepoError>;
    /// Events matching `filter`, newest received first, each with its receive order number.
    fn list(&self, filter: &EventFilter) -> Result<Vec<(i64, Event)>, RepoError>;
}
