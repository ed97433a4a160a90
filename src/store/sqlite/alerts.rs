//! The alert service's tables in the store's database file: `alerts` and `alert_events`,
//! through a connection of their own. Alert writes are rare (a transition, not a reading), so
//! this connection simply waits (`store::wait_when_busy`) while the store's writer holds the
//! lock. The service calls it from its recorder thread only (`alerts/service.rs`).

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::side::{self, OrRepo};
use crate::alerts::{
    Ack, Alert, AlertChange, AlertDetail, AlertEvent, AlertFilter, AlertRepo, AlertState,
    EventKind, Severity, Subject,
};
use crate::shell::RepoError;

/// Names these tables in errors.
const WHAT: &str = "alert store";

/// `CREATE … IF NOT EXISTS`: the main store versions its own schema with `user_version`,
/// which these tables leave alone. The partial unique index backs up the engine's rule of
/// one open alert per rule and subject.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    domain TEXT NOT NULL,
    district TEXT,
    signal TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    value REAL NOT NULL,
    opened_ms INTEGER NOT NULL,
    fired_ms INTEGER,
    ack_by TEXT,
    ack_ms INTEGER,
    ack_comment TEXT,
    resolved_ms INTEGER,
    flapping INTEGER NOT NULL,
    flap_count INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (rule_id, subject)
    WHERE state IN ('pending', 'firing', 'acknowledged');
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, updated_ms);
CREATE TABLE IF NOT EXISTS alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value REAL,
    by TEXT,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS alert_events_by_alert ON alert_events (alert_id, id);
";

const COLUMNS: &str = "id, rule_id, subject, domain, district, signal, severity, title, state, \
    value, opened_ms, fired_ms, ack_by, ack_ms, ack_comment, resolved_ms, flapping, flap_count, \
    updated_ms";

/// The alert tables behind one connection: [`AlertRepo`] on SQLite.
pub struct SqliteAlerts {
    conn: Connection,
    /// The notification channels and routes: the changes this node decides are enqueued on
    /// the channels their routes name.
    notify: crate::notify::Routes,
}

impl SqliteAlerts {
    /// Opens (creating if needed) the database at `path` and the alert tables in it. Open the
    /// main store first: it puts the file in WAL mode, which this connection then shares.
    pub fn open(path: &Path) -> Result<SqliteAlerts, RepoError> {
        Ok(SqliteAlerts {
            conn: side::open(path, SCHEMA, WHAT)?,
            notify: crate::notify::Routes::default(),
        })
    }

    /// From now on, the changes this node decides are also enqueued for notification on the
    /// channels `routes` name (`notify_outbox`, in the same transaction as the changes).
    pub fn with_notify(mut self, routes: crate::notify::Routes) -> Result<SqliteAlerts, RepoError> {
        super::notify::prepare(&self.conn).or_repo(WHAT)?;
        self.notify = routes;
        Ok(self)
    }
}

impl AlertRepo for SqliteAlerts {
    /// Records changes in one transaction: the alert row as it now is, plus its event. A
    /// dropped pending alert is deleted with its events instead.
    fn apply(&mut self, changes: &[AlertChange], notify: bool) -> Result<(), RepoError> {
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction().or_repo(WHAT)?;
        for c in changes {
            let a = &c.alert;
            if a.state == AlertState::Dropped {
                tx.execute("DELETE FROM alert_events WHERE alert_id = ?1", [a.id])
                    .or_repo(WHAT)?;
                tx.execute("DELETE FROM alerts WHERE id = ?1", [a.id])
                    .or_repo(WHAT)?;
                continue;
            }
            let ack = a.acknowledged.as_ref();
            tx.execute(
                &format!(
                    "INSERT INTO alerts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
                     ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
                     ON CONFLICT (id) DO UPDATE SET state = ?9, value = ?10, fired_ms = ?12, \
                     ack_by = ?13, ack_ms = ?14, ack_comment = ?15, resolved_ms = ?16, \
                     flapping = ?17, flap_count = ?18, updated_ms = ?19"
                ),
                params![
                    a.id,
                    a.rule_id,
                    a.subject.to_string(),
                    a.domain,
                    a.district,
                    a.signal,
                    a.severity.as_str(),
                    a.title,
                    a.state.as_str(),
                    a.value,
                    a.opened_ms,
                    a.fired_ms,
                    ack.map(|k| &k.by),
                    ack.map(|k| k.at_ms),
                    ack.map(|k| &k.comment),
                    a.resolved_ms,
                    a.flapping,
                    a.flap_count,
                    a.updated_ms,
                ],
            )
            .or_repo(WHAT)?;
            let e = &c.event;
            tx.execute(
                "INSERT INTO alert_events (alert_id, at_ms, kind, value, by, comment) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![a.id, e.at_ms, e.kind.as_str(), e.value, e.by, e.comment],
            )
            .or_repo(WHAT)?;
            if notify {
                super::notify::enqueue(&tx, c, &self.notify).or_repo(WHAT)?;
            }
        }
        tx.commit().or_repo(WHAT)?;
        Ok(())
    }

    /// What the engine resumes from: every open alert, and for each (rule, subject) the latest
    /// alert resolved at or after `resolved_since_ms` (for flap detection).
    fn load_current(&self, resolved_since_ms: i64) -> Result<Vec<Alert>, RepoError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
            "SELECT {COLUMNS} FROM alerts WHERE state IN ('pending', 'firing', 'acknowledged') \
             OR id IN (SELECT max(id) FROM alerts WHERE state = 'resolved' \
                       AND resolved_ms >= ?1 GROUP BY rule_id, subject) ORDER BY id"
        ))
            .or_repo(WHAT)?;
        let rows = stmt
            .query_map([resolved_since_ms], read_alert)
            .or_repo(WHAT)?;
        rows.map(|r| r.or_repo(WHAT)?).collect()
    }

    /// One past the greatest alert id ever stored.
    fn next_id(&self) -> Result<i64, RepoError> {
        let max: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM alerts", [], |r| r.get(0))
            .or_repo(WHAT)?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// Alerts matching `filter`, newest first by id, below `before_id` when set: the primary
    /// key walks them, so a page costs its own rows plus those the filters skip.
    fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError> {
        let states: Vec<&str> = filter.states().iter().map(|s| s.as_str()).collect();
        let mut stmt = self
            .conn
            .prepare(&format!(
            "SELECT {COLUMNS} FROM alerts WHERE (?1 IS NULL OR instr(?1, ',' || state || ',') > 0) \
             AND (?2 IS NULL OR severity = ?2) AND (?3 IS NULL OR domain = ?3) \
             AND (?5 IS NULL OR instr(?5, ',' || domain || ',') > 0) \
             AND (?6 IS NULL OR (district IS NOT NULL AND instr(?6, ',' || district || ',') > 0)) \
             AND (?7 IS NULL OR id < ?7) ORDER BY id DESC LIMIT ?4"
        ))
            .or_repo(WHAT)?;
        let set = |items: &[String]| (!items.is_empty()).then(|| format!(",{},", items.join(",")));
        let state_set = (!states.is_empty()).then(|| format!(",{},", states.join(",")));
        let rows = stmt
            .query_map(
                params![
                    state_set,
                    filter.severity.map(Severity::as_str),
                    filter.domain,
                    filter.limit,
                    set(&filter.within_domains),
                    set(&filter.within_districts),
                    filter.before_id
                ],
                read_alert,
            )
            .or_repo(WHAT)?;
        rows.map(|r| r.or_repo(WHAT)?).collect()
    }

    /// One alert with its history, oldest event first.
    fn get(&self, id: i64) -> Result<Option<AlertDetail>, RepoError> {
        let alert = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"),
                [id],
                read_alert,
            )
            .optional()
            .or_repo(WHAT)?;
        let Some(alert) = alert.transpose()? else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, at_ms, value, by, comment FROM alert_events \
             WHERE alert_id = ?1 ORDER BY id",
            )
            .or_repo(WHAT)?;
        let history = stmt
            .query_map([id], |r| {
                let kind: String = r.get(0)?;
                let (at_ms, value, by, comment) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                Ok(match EventKind::parse(&kind) {
                    Some(kind) => Ok(AlertEvent {
                        kind,
                        at_ms,
                        value,
                        by,
                        comment,
                    }),
                    None => Err(RepoError::Corrupt {
                        what: WHAT,
                        detail: format!("alert_events.kind = {kind:?}"),
                    }),
                })
            })
            .or_repo(WHAT)?
            .map(|r| r.or_repo(WHAT)?)
            .collect::<Result<Vec<_>, _>>()?;
        let notifications = if !self.notify.is_empty() {
            super::notify::of_alert(&self.conn, id).or_repo(WHAT)?
        } else {
            Vec::new()
        };
        Ok(Some(AlertDetail {
            alert,
            history,
            notifications,
        }))
    }
}

/// Reads one `alerts` row; the outer error is SQLite's, the inner one a value we do not know.
fn read_alert(r: &Row<'_>) -> rusqlite::Result<Result<Alert, RepoError>> {
    fn parsed<T>(
        column: &'static str,
        text: String,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, RepoError> {
        parse(&text).ok_or_else(|| RepoError::Corrupt {
            what: WHAT,
            detail: format!("alerts.{column} = {text:?}"),
        })
    }
    let subject = parsed("subject", r.get(2)?, Subject::parse);
    let severity = parsed("severity", r.get(6)?, Severity::parse);
    let state = parsed("state", r.get(8)?, AlertState::parse);
    let ack_by: Option<String> = r.get(12)?;
    let ack_ms: Option<i64> = r.get(13)?;
    let ack_comment: Option<String> = r.get(14)?;
    let acknowledged = match (ack_by, ack_ms) {
        (Some(by), Some(at_ms)) => Some(Ack {
            by,
            at_ms,
            comment: ack_comment.unwrap_or_default(),
        }),
        _ => None,
    };
    let (id, rule_id, domain, district, signal, title) = (
        r.get(0)?,
        r.get(1)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(7)?,
    );
    let (value, opened_ms, fired_ms, resolved_ms) = (r.get(9)?, r.get(10)?, r.get(11)?, r.get(15)?);
    let (flapping, flap_count, updated_ms) = (r.get(16)?, r.get(17)?, r.get(18)?);
    Ok(match (subject, severity, state) {
        (Ok(subject), Ok(severity), Ok(state)) => Ok(Alert {
            id,
            rule_id,
            subject,
            domain,
            district,
            signal,
            severity,
            title,
            state,
            value,
            opened_ms,
            fired_ms,
            acknowledged,
            resolved_ms,
            flapping,
            flap_count,
            updated_ms,
        }),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    })
}
