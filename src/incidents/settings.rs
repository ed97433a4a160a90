//! `[incidents]`: where the procedures come from, and how often service levels are checked
//! (documented in `config/default.toml`).

use serde::Deserialize;

use crate::setting::Invalid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSettings {
    /// A TOML procedures file; empty: the built-in procedures (`config/procedures.toml`).
    pub procedures: String,
    /// Seconds between two looks for missed service levels.
    pub sla_check_s: u64,
}

impl IncidentSettings {
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=3600).contains(&self.sla_check_s) {
            return Err(Invalid::new(
                "incidents.sla_check_s",
                self.sla_check_s.to_string(),
                "1 to 3600 seconds",
            ));
        }
        Ok(())
    }
}
