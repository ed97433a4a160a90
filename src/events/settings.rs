//! `[events]`: the rules that turn events into incidents (documented in `config/default.toml`).

use serde::Deserialize;

use super::rules::{validate, EventRule};
use crate::setting::Invalid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    pub rules: Vec<EventRule>,
}

impl EventSettings {
    /// Checks what can be checked without the procedures (their categories are checked at
    /// startup, once they are loaded).
    pub fn validate(&self) -> Result<(), Invalid> {
        validate(&self.rules, None)
    }
}
