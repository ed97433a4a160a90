//! The `events` table: one row per event id (the first copy wins), its JSON beside the
//! columns listings and rules filter on. [`EventRepo`] on SQLite.

use std::path::Path;

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension};

use super::side::{self, OrRepo};
use crate::events::{Event, EventFilter, EventRepo};
use crate::shell::RepoError;

const WHAT: &str = "event table";

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    district TEXT NOT NULL,
    what TEXT NOT NULL,
    confidence REAL,
    ts_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    incident_id INTEGER,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_district ON events (district, ts_ms);
";

pub struct SqliteEvents {
    conn: Connection,
}

impl SqliteEvents {
    pub fn open(path: &Path) -> Result<SqliteEvents, RepoError> {
        Ok(SqliteEvents {
            conn: side::open(path, SCHEMA, WHAT)?,
        })
    }
}

fn parse(body: &str, incident: Option<i64>) -> Result<Event, RepoError> {
    let mut e: Event = serde_json::from_str(body).map_err(|e| RepoError::Corrupt {
        what: WHAT,
        detail: format!("events.body: {e}"),
    })?;
    e.incident = incident;
    Ok(e)
}

impl EventRepo for SqliteEvents {
    fn insert(&mut self, e: &Event) -> Result<bool, RepoError> {
        let body = serde_json::to_string(e).unwrap_or_default();
        let added = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO events (id, kind, district, what, confidence, ts_ms, received_ms, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![e.id, e.kind.as_str(), e.district, e.what(), e.confidence, e.ts_ms, e.received_ms, body],
            )
            .or_repo(WHAT)?;
        Ok(added > 0)
    }

    fn get(&self, id: &str) -> Result<Option<Event>, RepoError> {
        let row: Option<(String, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT body, incident_id FROM events WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .or_repo(WHAT)?;
        row.map(|(b, i)| parse(&b, i)).transpose()
    }

    fn list(&self, f: &EventFilter) -> Result<Vec<(i64, Event)>, RepoError> {
        let (sql, args) = list_sql(f);
        let mut stmt = self.conn.prepare(&sql).or_repo(WHAT)?;
        let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let rows = stmt
            .query_map(refs.as_slice(), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .or_repo(WHAT)?;
        rows.map(|r| {
            let (seq, body, incident) = r.or_repo(WHAT)?;
            Ok((seq, parse(&body, incident)?))
        })
        .collect()
    }
}

fn list_sql(f: &EventFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut w = super::query::Where::default();
    if let Some(k) = f.kind {
        w.and("kind =", Box::new(k.as_str()));
    }
    if let Some(d) = &f.district {
        w.and("district =", Box::new(d.clone()));
    }
    if let Some(x) = &f.what {
        w.and("what =", Box::new(x.clone()));
    }
    if let Some(c) = f.min_confidence {
        w.and("coalesce(confidence, 1) >=", Box::new(c));
    }
    if let Some(t) = f.since_ms {
        w.and("ts_ms >=", Box::new(t));
    }
    if let Some(b) = f.before_seq {
        w.and("seq <", Box::new(b));
    }
    w.within("district", &f.within_districts);
    w.finish(
        "SELECT seq, body, incident_id FROM events",
        "seq DESC",
        f.limit,
    )
}
