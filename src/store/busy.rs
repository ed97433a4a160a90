//! How every connection to the database file waits for another's lock.
//!
//! SQLite's own `busy_timeout` sleeps 1, 2, 5, 10, … up to 100 ms between attempts, so a
//! writer that meets the lock taken for a millisecond (an alert transition committing on its
//! side connection) can sleep a few hundred: ingest stalls, and the live push shows readings
//! that old (docs/performance.md, "The alert evaluator's stall"). Short, even polls cost
//! nothing measurable and give the lock to the waiter as soon as it is free.
//!
//! SQLite only waits for a lock when the connection holds none: a deferred transaction that
//! has read and then writes gets `SQLITE_BUSY` at once instead (waiting could deadlock), so
//! every transaction here begins `IMMEDIATE` and waits for the write lock at `BEGIN`.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// Between two attempts to take a lock.
const POLL: Duration = Duration::from_micros(250);
/// Give up (`SQLITE_BUSY`) after about this long.
const GIVE_UP: Duration = Duration::from_secs(5);

/// Installs the polling busy handler on `conn` and makes its transactions `IMMEDIATE`.
pub fn wait_when_busy(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let attempts = (GIVE_UP.as_micros() / POLL.as_micros()) as i32;
    conn.busy_handler(Some(move |tried: i32| {
        if tried >= attempts {
            return false;
        }
        std::thread::sleep(POLL);
        true
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_writer_waits_for_the_lock_and_writes_once_it_is_released() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("busy.db");
        let mut holder = Connection::open(&path)?;
        holder.pragma_update(None, "journal_mode", "WAL")?;
        holder.execute_batch("CREATE TABLE t (x INTEGER)")?;
        let tx = holder.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO t VALUES (1)", [])?;

        let (started, waiting) = mpsc::channel();
        let other = path.clone();
        let writer = std::thread::spawn(move || -> rusqlite::Result<()> {
            let mut conn = Connection::open(other)?;
            wait_when_busy(&mut conn)?;
            let _ = started.send(());
            conn.execute("INSERT INTO t VALUES (2)", [])?;
            Ok(())
        });
        waiting.recv()?;
        // Hold the lock while the writer polls for it (its attempts fail with SQLITE_BUSY).
        std::thread::sleep(Duration::from_millis(50));
        tx.commit()?;
        match writer.join() {
            Ok(r) => r?,
            Err(_) => anyhow::bail!("the writer thread panicked"),
        }
        let n: i64 = holder.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
        assert_eq!(
            n, 2,
            "the waiting writer's row is stored after the holder's"
        );
        Ok(())
    }

    #[test]
    fn a_transaction_that_reads_before_it_writes_waits_for_the_lock() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("busy.db");
        let mut holder = Connection::open(&path)?;
        holder.pragma_update(None, "journal_mode", "WAL")?;
        holder.execute_batch("CREATE TABLE t (x INTEGER)")?;
        let tx = holder.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO t VALUES (1)", [])?;

        let (started, waiting) = mpsc::channel();
        let other = path.clone();
        // The store writer's shape: look at what is stored, then write, in one transaction.
        let writer = std::thread::spawn(move || -> rusqlite::Result<()> {
            let mut conn = Connection::open(other)?;
            wait_when_busy(&mut conn)?;
            let _ = started.send(());
            let tx = conn.transaction()?;
            let n: i64 = tx.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
            tx.execute("INSERT INTO t VALUES (?1)", [n + 10])?;
            tx.commit()
        });
        waiting.recv()?;
        std::thread::sleep(Duration::from_millis(50));
        tx.commit()?;
        match writer.join() {
            Ok(r) => r?,
            Err(_) => anyhow::bail!("the writer thread panicked"),
        }
        let last: i64 = holder.query_row("SELECT max(x) FROM t", [], |r| r.get(0))?;
        assert_eq!(
            last, 11,
            "the writer read the holder's row, then wrote after it"
        );
        Ok(())
    }
}
