//! `[alerts]`: where the rules come from (documented in `config/default.toml`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// A TOML rules file; empty: the built-in rules.
    pub rules_path: String,
}
