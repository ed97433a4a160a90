//! Why an incident action is refused: each says what to do instead.

use super::incident::Status;
use crate::shell::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error("incident {0} not found")]
    NotFound(String),
    #[error("unknown category {got:?}; known categories: {known}")]
    UnknownCategory { got: String, known: String },
    #[error("unknown department {got:?}; known departments: {known}")]
    UnknownDepartment { got: String, known: String },
    #[error("incident {id} has no step {step:?}; its steps: {known}")]
    UnknownStep {
        id: i64,
        step: String,
        known: String,
    },
    #[error("incident {id} is {}; it cannot go to {to} (allowed: {allowed})", from.as_str())]
    Transition {
        id: i64,
        from: Status,
        to: &'static str,
        allowed: String,
    },
    #[error("incident {0} has no assignee; assign it with POST /api/v1/incidents/{0}/assign")]
    NeedsAssignee(i64),
    #[error("incident {0} cannot be resolved while these procedure steps are not done: {1}")]
    StepsLeft(i64, String),
    #[error("incident {0} is {status}: it can no longer change", status = .1.as_str())]
    Finished(i64, Status),
    /// On a follower: the deciding node did not answer a forwarded action.
    #[error("{0}")]
    Unconfirmed(String),
    /// On a follower: the deciding node refused a forwarded action (`code` as the API's).
    #[error("{message}")]
    Refused { code: String, message: String },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl IncidentError {
    /// The API's error code of this refusal.
    pub fn code(&self) -> &str {
        match self {
            IncidentError::NotFound(_) => "incident_not_found",
            IncidentError::UnknownCategory { .. }
            | IncidentError::UnknownDepartment { .. }
            | IncidentError::UnknownStep { .. } => "invalid_body",
            IncidentError::Transition { .. }
            | IncidentError::NeedsAssignee(_)
            | IncidentError::StepsLeft(..)
            | IncidentError::Finished(..) => "incident_conflict",
            IncidentError::Unconfirmed(_) => "upstream_unavailable",
            IncidentError::Refused { code, .. } => code,
            IncidentError::Repo(_) => "internal",
        }
    }
}
