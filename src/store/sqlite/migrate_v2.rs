//! Schema 2 → 3: the export outbox holds data (domain, district, sensor, time, packed
//! values), not line protocol. Lines waiting from schema 2 move, as text and in order, into
//! the new table's `line` column and leave first, as they are.
//!
//! Crash-safe and resumable: the whole step is one transaction, so a crash before its commit
//! leaves schema 2 as it was and the next start does it again. An outbox that already has the
//! new shape (an interrupted run cannot leave one, but a store turned back to an older
//! version for a test can) only gets the version bumped.

use rusqlite::Connection;

use super::schema::OUTBOX_TABLE;
use crate::store::StoreError;

pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let structured: i64 = tx.query_row(
        "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'fields'",
        [],
        |r| r.get(0),
    )?;
    if structured == 0 {
        tx.execute_batch(&format!(
            "ALTER TABLE outbox RENAME TO outbox_v2; {OUTBOX_TABLE}
             INSERT INTO outbox (id, enqueued_ms, line)
                 SELECT id, enqueued_ms, line FROM outbox_v2 ORDER BY id;
             DROP TABLE outbox_v2;"
        ))?;
    }
    tx.execute_batch("PRAGMA user_version = 3;")?;
    tx.commit()?;
    let kept: i64 = conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
    tracing::info!(
        waiting = kept,
        "store schema upgraded: the export outbox holds readings, not line protocol"
    );
    Ok(())
}
