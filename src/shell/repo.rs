//! The one error of the small repositories that services below the store own
//! (`alerts::AlertRepo`, `auth::KeyRepo`). Those services sit below `store` and may not name
//! its error type, so the store turns each of its failures into this one, keeping the cause.

use std::path::PathBuf;

/// Whatever the backend reported, kept as the error's source.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(
        "cannot open the {what} in the database {path}: {cause}; check that the folder of \
         store.path exists and is writable"
    )]
    Open {
        what: &'static str,
        path: PathBuf,
        #[source]
        cause: Cause,
    },
    #[error(
        "the {what} could not be read or written: {cause}; if it repeats, check the disk \
         (space, permissions) under store.path"
    )]
    Storage {
        what: &'static str,
        #[source]
        cause: Cause,
    },
    #[error(
        "the {what} holds a row this build cannot read ({detail}); was the database changed \
         by hand or by a newer ioc?"
    )]
    Corrupt { what: &'static str, detail: String },
    #[error("the {what} has stopped storing (its thread is gone); restart ioc")]
    Stopped { what: &'static str },
}

impl RepoError {
    /// A backend failure of the `what` repository.
    pub fn storage(what: &'static str, cause: impl Into<Cause>) -> RepoError {
        RepoError::Storage {
            what,
            cause: cause.into(),
        }
    }
}
