//! Roles and what each may do. The whole policy is [`Role::permits`]: one match, read by the
//! route table in `serve` and by the role × endpoint test.

use serde::Serialize;

/// Who a key or token belongs to, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads dashboards and the API.
    Viewer,
    /// A viewer who also acknowledges alerts.
    Operator,
    /// A city department: the read-only API, limited to its domains or districts.
    Department,
    /// Everything, including keys, the audit log and reloading configuration.
    Admin,
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// No token: health probes and the dashboard's static files.
    Public,
    /// Read data (filtered to the caller's scope).
    Read,
    /// Operational views of the whole system (metrics, rejected messages): an unscoped
    /// viewer, operator or admin.
    Operations,
    /// Acknowledge alerts, post events, assign incidents.
    Acknowledge,
    /// Work incidents: open, comment, tick steps, move status (a department only its own,
    /// and it may not assign).
    Respond,
    /// Keys, audit log, configuration reload.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Department, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Department => "department",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// True when this role may use a route that needs `access` (scope aside).
    pub fn permits(self, access: Access) -> bool {
        match access {
            Access::Public | Access::Read => true,
            Access::Operations => self != Role::Department,
            Access::Acknowledge => matches!(self, Role::Operator | Role::Admin),
            Access::Respond => self != Role::Viewer,
            Access::Admin => self == Role::Admin,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        use Access::*;
        let table = [
            (Role::Viewer, [true, true, true, false, false, false]),
            (Role::Operator, [true, true, true, true, true, false]),
            (Role::Department, [true, true, false, false, true, false]),
            (Role::Admin, [true, true, true, true, true, true]),
        ];
        for (role, expected) in table {
            let got =
                [Public, Read, Operations, Acknowledge, Respond, Admin].map(|a| role.permits(a));
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
