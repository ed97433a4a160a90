//! Rejections by hour, feed, district and reason (`rejections_1h`): what the data-quality
//! report counts per day. The decode stage adds its counts every minute; they are kept as
//! long as the hour rollups.

use rusqlite::{params, Connection, Transaction};

use crate::store::{RejectionCount, StoreError};

pub(super) const TABLE: &str = "CREATE TABLE IF NOT EXISTS rejections_1h (
    hour INTEGER NOT NULL,
    domain TEXT NOT NULL,
    district TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, domain, district, reason)
) WITHOUT ROWID";

pub(super) fn add(conn: &mut Connection, counts: &[RejectionCount]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO rejections_1h (hour, domain, district, reason, count) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (hour, domain, district, reason) DO UPDATE SET count = count + excluded.count",
        )?;
        for c in counts {
            stmt.execute(params![
                c.hour,
                c.domain,
                c.district,
                c.reason,
                c.count as i64
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The counts of hours in `[from_ms, to_ms)`.
pub(super) fn read(
    conn: &Connection,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<RejectionCount>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT hour, domain, district, reason, count FROM rejections_1h \
         WHERE hour >= ?1 AND hour < ?2 ORDER BY hour",
    )?;
    let rows = stmt.query_map(params![from_ms, to_ms], |r| {
        Ok(RejectionCount {
            hour: r.get(0)?,
            domain: r.get(1)?,
            district: r.get(2)?,
            reason: r.get(3)?,
            count: r.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn prune(tx: &Transaction, before: i64) -> Result<usize, StoreError> {
    Ok(tx.execute("DELETE FROM rejections_1h WHERE hour < ?1", [before])?)
}

#[cfg(test)]
mod tests {
    use super::super::tests::city;
    use crate::store::{
        ReadingWriter, RejectionCount, Retention, RetentionPolicy, SeriesReader, SqliteStore,
    };

    const H: i64 = 3_600_000;

    fn count(hour: i64, reason: &str, n: u64) -> RejectionCount {
        RejectionCount {
            hour,
            domain: "traffic".into(),
            district: String::new(),
            reason: reason.into(),
            count: n,
        }
    }

    #[test]
    fn counts_add_up_read_by_hour_and_go_with_the_hour_rollups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = RetentionPolicy {
            raw_ms: 10 * H,
            rollup_1m_ms: 10 * H,
            rollup_1h_ms: 100 * H,
        };
        let store =
            SqliteStore::open(&dir.path().join("ioc.db"), city(), policy, false).expect("store");
        store
            .count_rejections(&[count(0, "bad_topic", 2), count(H, "out_of_range", 1)])
            .expect("add");
        store
            .count_rejections(&[count(0, "bad_topic", 3)])
            .expect("add");
        let all = store.rejection_counts(0, 2 * H).expect("read");
        assert_eq!(all, [count(0, "bad_topic", 5), count(H, "out_of_range", 1)]);
        assert_eq!(store.rejection_counts(H, 2 * H).expect("read").len(), 1);
        store.enforce_retention(100 * H + H).expect("retention");
        assert_eq!(
            store.rejection_counts(0, 2 * H).expect("read"),
            [count(H, "out_of_range", 1)]
        );
    }
}
