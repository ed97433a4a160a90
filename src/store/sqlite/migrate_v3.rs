//! Schema 3 → 4: rollups are folded in memory between flushes (`fold.rs`). Adds the list of
//! buckets not yet flushed (`rollup_pending`, empty) and `store_meta` (where retention notes
//! how far it deleted raw rows). One transaction: a crash before its commit leaves schema 3;
//! a store turned back to schema 3 for a test, with the tables already there, keeps them.

use rusqlite::Connection;

use super::schema::ROLLUP_PENDING_TABLES;
use crate::store::StoreError;

pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(&format!("{ROLLUP_PENDING_TABLES} PRAGMA user_version = 4;"))?;
    tx.commit()?;
    tracing::info!("store schema upgraded: rollups are folded in memory between flushes");
    Ok(())
}
