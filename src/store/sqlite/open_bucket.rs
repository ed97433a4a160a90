//! An open minute bucket as the writer keeps it in memory (`fold.rs`): 52 bytes instead of the
//! 80 of a [`BucketKey`] and a [`Row`]. At 100,000 sensors about 700,000 are open, twice that
//! while an interval is being written, so their size is a visible part of the process's memory.
//! A bucket whose key does not fit (a sensor key past `u32`, a time past `i32` minutes) is not
//! kept open: the writer upserts it at once (`write.rs`).

use super::fold::{BucketKey, MINUTE_MS};
use crate::store::Row;

/// (sensor key, metric key, minute number), ordered as the [`BucketKey`] it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct OpenKey {
    sensor: u32,
    metric: u16,
    minute: i32,
}

/// A minute bucket's aggregate; `last_ms` is the newest source time's offset into the minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct OpenRow {
    count: u32,
    last_ms: u32,
    sum: f64,
    min: f64,
    max: f64,
    last: f64,
}

impl OpenKey {
    pub fn key(&self) -> BucketKey {
        (
            i64::from(self.sensor),
            i64::from(self.metric),
            i64::from(self.minute) * MINUTE_MS,
        )
    }
}

/// The compact form of a minute bucket, `None` when it does not fit (see the module docs).
pub(super) fn compact(key: &BucketKey, row: &Row) -> Option<(OpenKey, OpenRow)> {
    let (sensor, metric, start) = *key;
    if start.rem_euclid(MINUTE_MS) != 0 {
        return None;
    }
    let open = OpenKey {
        sensor: u32::try_from(sensor).ok()?,
        metric: u16::try_from(metric).ok()?,
        minute: i32::try_from(start.div_euclid(MINUTE_MS)).ok()?,
    };
    let last_ms = row.last_ts.checked_sub(start)?;
    if !(0..MINUTE_MS).contains(&last_ms) {
        return None;
    }
    let row = OpenRow {
        count: u32::try_from(row.count).ok()?,
        last_ms: last_ms as u32,
        sum: row.sum,
        min: row.min,
        max: row.max,
        last: row.last,
    };
    Some((open, row))
}

impl OpenRow {
    /// The bucket's full row (`t` is the minute's start).
    pub fn row(&self, key: &OpenKey) -> Row {
        let t = key.key().2;
        Row {
            t,
            count: u64::from(self.count),
            sum: self.sum,
            min: self.min,
            max: self.max,
            last: self.last,
            last_ts: t + i64::from(self.last_ms),
        }
    }

    /// The newest source time folded, given the bucket's key.
    pub fn last_ts(&self, key: &OpenKey) -> i64 {
        key.key().2 + i64::from(self.last_ms)
    }

    /// Folds `r` (of the same bucket) in exactly as [`Row::merge`] does. A minute holds at
    /// most 60,000 readings per series (one per millisecond and metric), so the count cannot
    /// overflow; it saturates rather than wrap if it ever did.
    pub fn merge(&mut self, r: &OpenRow) {
        self.count = self.count.saturating_add(r.count);
        self.sum += r.sum;
        self.min = self.min.min(r.min);
        self.max = self.max.max(r.max);
        if r.last_ms >= self.last_ms {
            self.last = r.last;
            self.last_ms = r.last_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(t: i64, count: u64, last_ts: i64) -> Row {
        Row {
            t,
            count,
            sum: 1.5,
            min: -2.0,
            max: 7.25,
            last: 3.0,
            last_ts,
        }
    }

    proptest! {
        #[test]
        fn a_compact_bucket_gives_back_its_key_and_row_and_keeps_their_order(
            a in (0i64..=u32::MAX as i64, 0i64..=65_535, -1_000_000i64..1_000_000, 0i64..MINUTE_MS),
            b in (0i64..3, 0i64..3, -2i64..2, 0i64..MINUTE_MS),
        ) {
            // `b` is small so that its sensor, metric or minute often equals `a`'s.
            let a = if a.0 % 2 == 0 { (a.0 % 3, a.1 % 3, a.2 % 2, a.3) } else { a };
            let key = |(s, m, minute, _): (i64, i64, i64, i64)| (s, m, minute * MINUTE_MS);
            let (ka, kb) = (key(a), key(b));
            let (ra, rb) = (row(ka.2, 3, ka.2 + a.3), row(kb.2, 5, kb.2 + b.3));
            let (oa, rowa) = compact(&ka, &ra).expect("fits");
            let (ob, rowb) = compact(&kb, &rb).expect("fits");
            prop_assert_eq!(oa.key(), ka);
            prop_assert_eq!(rowa.row(&oa), ra);
            prop_assert_eq!(ob.key(), kb);
            prop_assert_eq!(rowb.row(&ob), rb);
            prop_assert_eq!(oa.cmp(&ob), ka.cmp(&kb));
        }

        #[test]
        fn merging_compact_buckets_is_merging_rows(
            k in (0i64..=u32::MAX as i64, 0i64..=65_535, -1_000_000i64..1_000_000),
            x in (0i64..MINUTE_MS, 1u64..60_000, -1e6f64..1e6),
            y in (0i64..MINUTE_MS, 1u64..60_000, -1e6f64..1e6),
        ) {
            let key = (k.0, k.1, k.2 * MINUTE_MS);
            let at = |(off, count, v): (i64, u64, f64)| Row {
                last: v,
                min: v,
                ..row(key.2, count, key.2 + off)
            };
            let (mut rx, ry) = (at(x), at(y));
            let (ok, mut ox) = compact(&key, &rx).expect("fits");
            let (_, oy) = compact(&key, &ry).expect("fits");
            rx.merge(&ry);
            ox.merge(&oy);
            prop_assert_eq!(ox.row(&ok), rx);
            prop_assert_eq!(ox.last_ts(&ok), rx.last_ts);
        }
    }

    #[test]
    fn a_bucket_that_does_not_fit_is_refused() {
        let start = 29_000_000 * MINUTE_MS;
        assert!(compact(&(1, 1, start), &row(start, 1, start)).is_some());
        assert!(compact(&(1 << 40, 1, start), &row(start, 1, start)).is_none());
        assert!(compact(&(1, 70_000, start), &row(start, 1, start)).is_none());
        let far = (i64::from(i32::MAX) + 1) * MINUTE_MS;
        assert!(compact(&(1, 1, far), &row(far, 1, far)).is_none());
        assert!(compact(&(1, 1, start + 5), &row(start, 1, start + 5)).is_none());
        assert!(compact(&(1, 1, start), &row(start, 1, start + MINUTE_MS)).is_none());
        assert!(compact(&(1, 1, start), &row(start, 1 << 33, start)).is_none());
    }
}
