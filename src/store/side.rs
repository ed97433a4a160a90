//! Connections of other modules to the store's database file, for their own small tables
//! (alerts, API keys, audit log): they wait while the store's writer holds the lock.

use std::path::Path;

use rusqlite::Connection;

/// Opens (creating the folder and file if needed) the database at `path` in WAL mode, waits up
/// to 5 s for the writer's lock (polling, see [`super::wait_when_busy`]), and runs `schema`
/// (`CREATE … IF NOT EXISTS`). Open the main store first: it owns the file's own schema and
/// version.
pub fn open_side_connection(path: &Path, schema: &str) -> Result<Connection, rusqlite::Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A failure shows up as an open error just below, with the path.
        let _ = std::fs::create_dir_all(dir);
    }
    let mut conn = Connection::open(path)?;
    super::wait_when_busy(&mut conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(schema)?;
    Ok(conn)
}
