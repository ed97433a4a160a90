//! Side connections: the alerts' and the keys' own connections to the store's database file,
//! for their small tables. They wait while the store's writer holds the lock.

use std::path::Path;

use rusqlite::Connection;

use crate::shell::RepoError;

/// Opens (creating the folder and file if needed) the database at `path` in WAL mode, waits up
/// to 5 s for the writer's lock (polling, see [`crate::store::wait_when_busy`]), and runs
/// `schema` (`CREATE … IF NOT EXISTS`). Open the main store first: it owns the file's own
/// schema and version. `what` names the tables in an error.
pub(super) fn open(path: &Path, schema: &str, what: &'static str) -> Result<Connection, RepoError> {
    let failed = |cause: rusqlite::Error| RepoError::Open {
        what,
        path: path.to_owned(),
        cause: cause.into(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A failure shows up as an open error just below, with the path.
        let _ = std::fs::create_dir_all(dir);
    }
    let mut conn = Connection::open(path).map_err(failed)?;
    crate::store::wait_when_busy(&mut conn).map_err(failed)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(failed)?;
    conn.execute_batch(schema).map_err(failed)?;
    Ok(conn)
}

/// Turns SQLite's errors into the services' one repository error, naming the tables.
pub(super) trait OrRepo<T> {
    fn or_repo(self, what: &'static str) -> Result<T, RepoError>;
}

impl<T> OrRepo<T> for rusqlite::Result<T> {
    fn or_repo(self, what: &'static str) -> Result<T, RepoError> {
        self.map_err(|e| RepoError::storage(what, e))
    }
}
