//! The marks of `ioc import` (`ImportMark`), one row per file, written with the readings.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::SqliteStore;
use crate::model::Reading;
use crate::store::{ImportMark, StoreError, WriteReport};

const TABLE: &str = "CREATE TABLE IF NOT EXISTS import_marks (
    file TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    stored INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    rejections TEXT NOT NULL,
    done INTEGER NOT NULL
)";

impl SqliteStore {
    /// Where an earlier import of `file` (a canonical path) got to, if one ran.
    pub fn import_mark(&self, file: &str) -> Result<Option<ImportMark>, StoreError> {
        let mut writer = self.writer();
        let conn = writer.conn();
        conn.execute(TABLE, [])?;
        read(conn, file)
    }

    /// Stores `readings` as [`crate::store::ReadingWriter::write`] does and, in the same
    /// transaction, records the mark `mark` makes of what was stored.
    pub fn write_marked(
        &self,
        readings: &[Reading],
        mark: impl FnOnce(&WriteReport) -> ImportMark,
    ) -> Result<WriteReport, StoreError> {
        self.writer().write_with(readings, |tx, report| {
            upsert(tx, &mark(report))
                .map(drop)
                .map_err(StoreError::from)
        })
    }
}

fn read(conn: &Connection, file: &str) -> Result<Option<ImportMark>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT size, modified_ms, offset, lines, stored, duplicates, rejections, done \
             FROM import_marks WHERE file = ?1",
            [file],
            |r| {
                Ok(ImportMark {
                    file: file.to_owned(),
                    size: r.get::<_, i64>(0)? as u64,
                    modified_ms: r.get(1)?,
                    offset: r.get::<_, i64>(2)? as u64,
                    lines: r.get::<_, i64>(3)? as u64,
                    stored: r.get::<_, i64>(4)? as u64,
                    duplicates: r.get::<_, i64>(5)? as u64,
                    rejections: r.get(6)?,
                    done: r.get(7)?,
                })
            },
        )
        .optional()?)
}

fn upsert(tx: &Transaction, m: &ImportMark) -> rusqlite::Result<usize> {
    tx.execute(TABLE, [])?;
    tx.execute(
        "INSERT OR REPLACE INTO import_marks \
         (file, size, modified_ms, offset, lines, stored, duplicates, rejections, done) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.file,
            m.size as i64,
            m.modified_ms,
            m.offset as i64,
            m.lines as i64,
            m.stored as i64,
            m.duplicates as i64,
            m.rejections,
            m.done
        ],
    )
}
