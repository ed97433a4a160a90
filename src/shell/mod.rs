//! What the imperative shells around the pure cores share: the wall clock, one capped
//! backoff that honours shutdown, lock-poison recovery, and the one error of the small
//! repositories the services own ([`RepoError`]).
//!
//! The bottom layer beside `model`: it imports no other module of the crate.

mod backoff;
mod clock;
pub mod lock;
mod repo;

pub use backoff::Backoff;
pub use clock::{now_ms, rfc3339_utc};
pub use repo::{Cause, RepoError};
