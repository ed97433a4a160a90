//! What the imperative shells around the pure cores share: the wall clock, one capped
//! backoff that honours shutdown, and lock-poison recovery.
//!
//! The bottom layer beside `model`: it imports no other module of the crate.

mod backoff;
mod clock;
pub mod lock;

pub use backoff::Backoff;
pub use clock::now_ms;
