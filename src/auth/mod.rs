//! Access control: who is calling ([`Auth::authenticate`] → [`Principal`]), what a role may do
//! ([`Role::permits`]), what part of the city a caller sees ([`Scope`]), rate limits, and the
//! audit log. API keys are stored hashed through [`KeyRepo`], which the store implements in its
//! database; JWTs are verified with a configured key. `serve` applies all of it on every route and WebSocket stream.

mod jwt;
mod limits;
mod principal;
mod replica;
mod repo;
mod role;
mod scope;
mod service;
mod settings;
mod setup;
pub mod token;

pub use jwt::{JwtConfig, JwtError, JwtVerifier};
pub use limits::{RateConfig, RateLimits};
pub use principal::Principal;
pub use replica::{Adopted, KeyRecord};
pub use repo::{AuditEntry, AuditLog, AuditRecord, KeyInfo, KeyRepo, StoredKey};
pub use role::{Access, Role};
pub use scope::{Scope, ScopeError};
pub use service::{Auth, AuthError, Created};
pub use settings::AuthSettings;
pub use setup::{open, spawn_pruner, SetupError};
