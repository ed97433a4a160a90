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
    /// Refuses a department without a scope: that role exists to be limited. Refuses an
    /// admin with one: an admin manages keys and reads the audit log, which cover the whole
    /// city, so a scoped admin could mint an unscoped key or read past its scope
    /// (docs/decisions.md, "Admin is never scoped").
    pub fn new(id: String, role: Role, scope: Scope) -> Result<Principal, String> {
        if role == Role::Department && scope.is_unrestricted() {
            return Err("a department key or token needs a scope (domain:… or district:…)".into());
        }
        if role == Role::Admin && !scope.is_unrestricted() {
            return Err(format!(
                "an admin key or token covers the whole city and cannot have a scope (got {scope}); use the viewer, operator or department role for a scoped one"
            ));
        }
        Ok(Principal { id, role, scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_is_never_scoped_and_a_department_always_is() {
        let scoped = Scope::parse(["district:hai-chau"]).expect("scope");
        assert!(Principal::new("k".into(), Role::Admin, scoped.clone()).is_err());
        assert!(Principal::new("k".into(), Role::Admin, Scope::default()).is_ok());
        assert!(Principal::new("k".into(), Role::Department, Scope::default()).is_err());
        assert!(Principal::new("k".into(), Role::Department, scoped.clone()).is_ok());
        assert!(Principal::new("k".into(), Role::Operator, scoped).is_ok());
    }
}
