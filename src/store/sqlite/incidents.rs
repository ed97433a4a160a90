//! The incident tables (`incidents`, `incident_log`, `incident_alerts`) behind one connection:
//! [`IncidentRepo`] on SQLite. An incident's row holds its JSON (without the timeline, which is
//! `incident_log`) beside the columns listings filter on. Each change stores the row, its
//! timeline entry, its link and its notifications in one transaction.

use std::path::Path;

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::side::{self, OrRepo};
use crate::incidents::{Entry, EntryKind, Incident, IncidentFilter, IncidentRepo, Link, Status};
use crate::shell::RepoError;

const WHAT: &str = "incident tables";

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    domain TEXT NOT NULL,
    district TEXT NOT NULL,
    opened_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, id);
CREATE INDEX IF NOT EXISTS incidents_opened ON incidents (opened_ms);
CREATE TABLE IF NOT EXISTS incident_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    by TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incident_log_incident ON incident_log (incident_id, id);
CREATE INDEX IF NOT EXISTS incident_log_at ON incident_log (at_ms);
CREATE UNIQUE INDEX IF NOT EXISTS incident_log_once ON incident_log (incident_id, at_ms, kind, by, detail);
CREATE TABLE IF NOT EXISTS incident_alerts (
    alert_id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL
);
";

pub struct SqliteIncidents {
    conn: Connection,
    notify: crate::notify::Routes,
}

impl SqliteIncidents {
    /// Opens (creating if needed) the incident and event tables in the database at `path`,
    /// after the main store.
    pub fn open(path: &Path) -> Result<SqliteIncidents, RepoError> {
        let conn = side::open(path, SCHEMA, WHAT)?;
        conn.execute_batch(super::events::SCHEMA).or_repo(WHAT)?;
        Ok(SqliteIncidents {
            conn,
            notify: crate::notify::Routes::default(),
        })
    }

    /// From now on each change is also enqueued on the channels `routes` name.
    pub fn with_notify(
        mut self,
        routes: crate::notify::Routes,
    ) -> Result<SqliteIncidents, RepoError> {
        super::notify::prepare(&self.conn).or_repo(WHAT)?;
        self.notify = routes;
        Ok(self)
    }
}

/// Writes the timeline entry, the link and the notifications of a change, inside `tx`.
fn record(
    tx: &Transaction,
    routes: &crate::notify::Routes,
    inc: &Incident,
    entry: &Entry,
    link: &Link,
) -> rusqlite::Result<()> {
    tx.execute(
            "INSERT OR IGNORE INTO incident_log (incident_id, at_ms, by, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![inc.id, entry.at_ms, entry.by, entry.kind.as_str(), entry.detail],
        )?;
    record_link(tx, inc.id, link)?;
    if !routes.is_empty() {
        super::notify::enqueue_incident(tx, inc, entry, routes)?;
    }
    Ok(())
}

/// Keeps that `link` belongs to incident `id` (once).
fn record_link(tx: &Transaction, id: i64, link: &Link) -> rusqlite::Result<()> {
    match link {
        Link::Alert(a) => {
            tx.execute(
                "INSERT OR IGNORE INTO incident_alerts (alert_id, incident_id) VALUES (?1, ?2)",
                params![a, id],
            )?;
        }
        Link::Event(e) => {
            tx.execute(
                "UPDATE events SET incident_id = ?2 WHERE id = ?1 AND incident_id IS NULL",
                params![e, id],
            )?;
        }
        Link::None => {}
    }
    Ok(())
}

/// Writes `inc`'s row as it is, with its id (a replica takes the deciding node's ids).
fn upsert(tx: &Transaction, inc: &Incident) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO incidents (id, status, category, domain, district, opened_ms, updated_ms, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET status = ?2, updated_ms = ?7, body = ?8",
        params![inc.id, inc.status.as_str(), inc.category, inc.domain, inc.district, inc.opened_ms, inc.updated_ms, body(inc)],
    )?;
    Ok(())
}

fn body(inc: &Incident) -> String {
    let mut row = inc.clone();
    row.timeline = Vec::new();
    serde_json::to_string(&row).unwrap_or_default()
}

fn parse(text: &str) -> Result<Incident, RepoError> {
    serde_json::from_str(text).map_err(|e| RepoError::Corrupt {
        what: WHAT,
        detail: format!("incidents.body: {e}"),
    })
}

impl IncidentRepo for SqliteIncidents {
    fn create(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<i64, RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
        tx.execute(
            "INSERT INTO incidents (status, category, domain, district, opened_ms, updated_ms, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '')",
            params![inc.status.as_str(), inc.category, inc.domain, inc.district, inc.opened_ms, inc.updated_ms],
        )
        .or_repo(WHAT)?;
        let mut stored = inc.clone();
        stored.id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE incidents SET body = ?2 WHERE id = ?1",
            params![stored.id, body(&stored)],
        )
        .or_repo(WHAT)?;
        record(&tx, &self.notify, &stored, entry, link).or_repo(WHAT)?;
        tx.commit().or_repo(WHAT)?;
        Ok(stored.id)
    }

    fn update(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<(), RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
        tx.execute(
            "UPDATE incidents SET status = ?2, updated_ms = ?3, body = ?4 WHERE id = ?1",
            params![inc.id, inc.status.as_str(), inc.updated_ms, body(inc)],
        )
        .or_repo(WHAT)?;
        record(&tx, &self.notify, inc, entry, link).or_repo(WHAT)?;
        tx.commit().or_repo(WHAT)
    }

    fn adopt(&mut self, inc: &Incident, entry: &Entry, link: &Link) -> Result<(), RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
        upsert(&tx, inc).or_repo(WHAT)?;
        record(&tx, &crate::notify::Routes::default(), inc, entry, link).or_repo(WHAT)?;
        tx.commit().or_repo(WHAT)
    }

    fn replace(&mut self, inc: &Incident) -> Result<(), RepoError> {
        let tx = self.conn.transaction().or_repo(WHAT)?;
        upsert(&tx, inc).or_repo(WHAT)?;
        tx.execute("DELETE FROM incident_log WHERE incident_id = ?1", [inc.id])
            .or_repo(WHAT)?;
        let none = crate::notify::Routes::default();
        for entry in &inc.timeline {
            record(&tx, &none, inc, entry, &Link::None).or_repo(WHAT)?;
        }
        for a in &inc.alerts {
            record_link(&tx, inc.id, &Link::Alert(*a)).or_repo(WHAT)?;
        }
        for e in &inc.events {
            record_link(&tx, inc.id, &Link::Event(e.clone())).or_repo(WHAT)?;
        }
        tx.commit().or_repo(WHAT)
    }

    fn get(&self, id: i64) -> Result<Option<Incident>, RepoError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT body FROM incidents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .or_repo(WHAT)?;
        let Some(text) = text else { return Ok(None) };
        let mut inc = parse(&text)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT at_ms, by, kind, detail FROM incident_log WHERE incident_id = ?1 ORDER BY id")
            .or_repo(WHAT)?;
        let rows = stmt.query_map([id], read_entry).or_repo(WHAT)?;
        for row in rows {
            inc.timeline.push(row.or_repo(WHAT)??);
        }
        Ok(Some(inc))
    }

    fn list(&self, f: &IncidentFilter) -> Result<Vec<Incident>, RepoError> {
        let (sql, args) = list_sql(f);
        let mut stmt = self.conn.prepare(&sql).or_repo(WHAT)?;
        let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let rows = stmt
            .query_map(refs.as_slice(), |r| r.get::<_, String>(0))
            .or_repo(WHAT)?;
        rows.map(|r| parse(&r.or_repo(WHAT)?)).collect()
    }

    fn linked_to(&self, link: &Link) -> Result<Option<i64>, RepoError> {
        let found: Option<Option<i64>> = match link {
            Link::None => return Ok(None),
            Link::Alert(a) => self
                .conn
                .query_row(
                    "SELECT incident_id FROM incident_alerts WHERE alert_id = ?1",
                    [a],
                    |r| r.get(0),
                )
                .optional(),
            Link::Event(e) => self
                .conn
                .query_row("SELECT incident_id FROM events WHERE id = ?1", [e], |r| {
                    r.get(0)
                })
                .optional(),
        }
        .or_repo(WHAT)?;
        Ok(found.flatten())
    }

    fn log_since(&self, since_ms: i64, limit: usize) -> Result<Vec<(i64, Entry)>, RepoError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at_ms, by, kind, detail, incident_id FROM incident_log WHERE at_ms >= ?1 ORDER BY id LIMIT ?2",
            )
            .or_repo(WHAT)?;
        let rows = stmt
            .query_map(params![since_ms, limit as i64], |r| {
                Ok((r.get::<_, i64>(4)?, read_entry(r)?))
            })
            .or_repo(WHAT)?;
        rows.map(|r| {
            let (id, entry) = r.or_repo(WHAT)?;
            Ok((id, entry?))
        })
        .collect()
    }
}

fn read_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Entry, RepoError>> {
    let kind: String = r.get(2)?;
    let Some(kind) = EntryKind::parse(&kind) else {
        return Ok(Err(RepoError::Corrupt {
            what: WHAT,
            detail: format!("incident_log.kind = {kind:?}"),
        }));
    };
    Ok(Ok(Entry {
        at_ms: r.get(0)?,
        by: r.get(1)?,
        kind,
        detail: r.get(3)?,
    }))
}

/// The listing's query and its arguments.
fn list_sql(f: &IncidentFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut w = super::query::Where::default();
    match f.status {
        None => {}
        Some(None) => w.and_sql(format!(
            "status NOT IN ('{}', '{}')",
            Status::Closed.as_str(),
            Status::Cancelled.as_str()
        )),
        Some(Some(s)) => w.and("status =", Box::new(s.as_str())),
    }
    if let Some(d) = &f.district {
        w.and("district =", Box::new(d.clone()));
    }
    if let Some(c) = &f.category {
        w.and("category =", Box::new(c.clone()));
    }
    if let Some(t) = f.opened_since {
        w.and("opened_ms >=", Box::new(t));
    }
    if let Some(b) = f.before_id {
        w.and("id <", Box::new(b));
    }
    w.within("district", &f.within_districts);
    w.within("domain", &f.within_domains);
    w.finish("SELECT body FROM incidents", "id DESC", f.limit)
}
