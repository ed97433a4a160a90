//! The notification outbox (`notify_outbox`): one row per alert change people are told of,
//! enqueued in the transaction that stores the change (`alerts.rs`), delivered and marked by
//! the notifier (`notify::NotifyRepo`) through a connection of its own.

use std::path::Path;

use rusqlite::{params, Connection, Transaction};

use super::side::{self, OrRepo};
use crate::alerts::{AlertChange, EventKind, Notification};
use crate::notify::{NotifyRepo, Queued, Routes};
use crate::shell::RepoError;

const WHAT: &str = "notification outbox";

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notify_outbox (
    channel TEXT NOT NULL,
    id TEXT NOT NULL,
    event TEXT NOT NULL,
    alert_id INTEGER NOT NULL,
    object TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    last_error TEXT,
    PRIMARY KEY (channel, id)
);
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox (channel, delivered_ms, created_ms, id);
CREATE INDEX IF NOT EXISTS notify_outbox_alert ON notify_outbox (alert_id);
";

/// Creates the outbox when missing, and adds `incident_id` to an outbox made before incidents
/// were told (`alert_id` is 0 on an incident's rows).
pub(super) fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    let has: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('notify_outbox') WHERE name = 'incident_id'",
        [],
        |r| r.get(0),
    )?;
    if has == 0 {
        conn.execute_batch(
            "ALTER TABLE notify_outbox ADD COLUMN incident_id INTEGER; \
             CREATE INDEX IF NOT EXISTS notify_outbox_incident ON notify_outbox (incident_id);",
        )?;
    }
    Ok(())
}

/// Enqueues an incident's change on the channels its routes name; its id is unique per
/// incident, entry kind and time.
pub(super) fn enqueue_incident(
    tx: &Transaction,
    inc: &crate::incidents::Incident,
    entry: &crate::incidents::Entry,
    routes: &Routes,
) -> rusqlite::Result<()> {
    let event = crate::incidents::event_of(entry, inc);
    let facts = crate::notify::Facts {
        severity: inc.severity,
        domain: &inc.domain,
        district: Some(&inc.district),
        rule: None,
    };
    let id = format!(
        "incident-{}-{}-{}",
        inc.id,
        entry.kind.as_str(),
        entry.at_ms
    );
    let object = serde_json::to_string(inc).unwrap_or_default();
    for channel in routes.channels_of(&facts, &event) {
        tx.execute(
            "INSERT OR IGNORE INTO notify_outbox (channel, id, event, alert_id, incident_id, object, created_ms, next_ms) \
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?6)",
            params![channel, id, event, inc.id, object, entry.at_ms],
        )?;
    }
    Ok(())
}

/// The event a change is told as, if people are told of it.
fn event_of(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::Firing | EventKind::Reopened => Some("alert.firing"),
        EventKind::Acknowledged => Some("alert.acknowledged"),
        EventKind::Resolved => Some("alert.resolved"),
        EventKind::Pending | EventKind::Dropped => None,
    }
}

/// Enqueues `c` on the channels its routes name, when people are told of it; its id is unique
/// per alert, event and time, so a change stored twice is enqueued once per channel.
pub(super) fn enqueue(tx: &Transaction, c: &AlertChange, routes: &Routes) -> rusqlite::Result<()> {
    let Some(event) = event_of(c.event.kind) else {
        return Ok(());
    };
    let id = format!(
        "alert-{}-{}-{}",
        c.alert.id,
        c.event.kind.as_str(),
        c.event.at_ms
    );
    let object = serde_json::to_string(&c.alert).unwrap_or_default();
    for channel in routes.channels_for(&c.alert, event) {
        tx.execute(
            "INSERT OR IGNORE INTO notify_outbox (channel, id, event, alert_id, object, created_ms, next_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![channel, id, event, c.alert.id, object, c.event.at_ms],
        )?;
    }
    Ok(())
}

/// The notifications of alert `alert_id`, oldest first.
pub(super) fn of_alert(conn: &Connection, alert_id: i64) -> rusqlite::Result<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event, id, attempts, delivered_ms, last_error, channel FROM notify_outbox \
         WHERE alert_id = ?1 AND incident_id IS NULL ORDER BY created_ms, rowid",
    )?;
    let rows = stmt.query_map([alert_id], |r| {
        Ok(Notification {
            event: r.get(0)?,
            id: r.get(1)?,
            attempts: r.get::<_, i64>(2)? as u32,
            delivered_ms: r.get(3)?,
            last_error: r.get(4)?,
            channel: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// One channel's outbox behind its own connection.
pub struct SqliteNotify {
    conn: Connection,
    channel: String,
}

impl SqliteNotify {
    /// Opens `channel`'s outbox in the database at `path` (after the main store).
    pub fn open(path: &Path, channel: &str) -> Result<SqliteNotify, RepoError> {
        let conn = side::open(path, SCHEMA, WHAT)?;
        prepare(&conn).or_repo(WHAT)?;
        Ok(SqliteNotify {
            conn,
            channel: channel.to_owned(),
        })
    }
}

impl NotifyRepo for SqliteNotify {
    /// In order of the changes; a delivery waiting for its retry holds those after it.
    fn due(&self, now_ms: i64, limit: usize, only: &[&str]) -> Result<Vec<Queued>, RepoError> {
        // `only` as ",critical,major," so a row's severity is found by one `instr`.
        let only = if only.is_empty() {
            String::new()
        } else {
            format!(",{},", only.join(","))
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, event, object, attempts, next_ms FROM notify_outbox \
                 WHERE channel = ?1 AND delivered_ms IS NULL \
                 AND (?3 = '' OR instr(?3, ',' || json_extract(object, '$.severity') || ',') > 0) \
                 ORDER BY created_ms, rowid LIMIT ?2",
            )
            .or_repo(WHAT)?;
        let rows = stmt
            .query_map(params![self.channel, limit as i64, only], |r| {
                let q = Queued {
                    id: r.get(0)?,
                    event: r.get(1)?,
                    object: r.get(2)?,
                    attempts: r.get::<_, i64>(3)? as u32,
                };
                Ok((q, r.get::<_, i64>(4)?))
            })
            .or_repo(WHAT)?;
        let rows: Vec<(Queued, i64)> = rows.collect::<Result<_, _>>().or_repo(WHAT)?;
        Ok(rows
            .into_iter()
            .take_while(|(_, next)| *next <= now_ms)
            .map(|(q, _)| q)
            .collect())
    }

    fn delivered(&mut self, id: &str, at_ms: i64) -> Result<(), RepoError> {
        self.conn
            .execute(
                "UPDATE notify_outbox SET delivered_ms = ?3, attempts = attempts + 1, last_error = NULL \
                 WHERE channel = ?1 AND id = ?2",
                params![self.channel, id, at_ms],
            )
            .or_repo(WHAT)?;
        Ok(())
    }

    fn failed(&mut self, id: &str, next_ms: i64, error: &str) -> Result<(), RepoError> {
        self.conn
            .execute(
                "UPDATE notify_outbox SET attempts = attempts + 1, next_ms = ?3, last_error = ?4 \
                 WHERE channel = ?1 AND id = ?2",
                params![self.channel, id, next_ms, error],
            )
            .or_repo(WHAT)?;
        Ok(())
    }

    fn waiting(&self) -> Result<u64, RepoError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM notify_outbox WHERE channel = ?1 AND delivered_ms IS NULL",
                [&self.channel],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .or_repo(WHAT)
    }

    fn enqueue(
        &mut self,
        id: &str,
        event: &str,
        alert_id: i64,
        object: &str,
        at_ms: i64,
    ) -> Result<bool, RepoError> {
        let added = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO notify_outbox (channel, id, event, alert_id, object, created_ms, next_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![self.channel, id, event, alert_id, object, at_ms],
            )
            .or_repo(WHAT)?;
        Ok(added > 0)
    }

    fn prune(&mut self, before_ms: i64) -> Result<usize, RepoError> {
        self.conn
            .execute(
                "DELETE FROM notify_outbox WHERE channel = ?1 AND delivered_ms IS NOT NULL AND delivered_ms < ?2",
                params![self.channel, before_ms],
            )
            .or_repo(WHAT)
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
