//! The authenticated caller, as handlers see it.

use serde::Serialize;

use super::{Role, Scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    /// `key:<id>`, `jwt:<sub>` or `bootstrap`: what the audit log records.
    pub id: String,
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    /// Refuses a department without a scope: that role exists to be limited.
    pub fn new(id: String, role: Role, scope: Scope) -> Result<Principal, String> {
        if role == Role::Department && scope.is_unrestricted() {
            return Err("a department key or token needs a scope (domain:… or district:…)".into());
        }
        Ok(Principal { id, role, scope })
    }
}
