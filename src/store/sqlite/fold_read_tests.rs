//! History read across the rollups' cut-off (`fold.rs`'s `complete_before`): a query before,
//! during and after a closed interval is written answers the same.

use std::time::Duration;

use super::fold_tests::{pending, SENSORS};
use super::tests::{city, open, reading, T0};
use crate::model::Reading;
use crate::store::{
    fold, Agg, ReadingWriter, Resolution, Row, Scope, SeriesQuery, SeriesReader, SqliteStore,
};

/// Every aggregate of `tl-0042`'s vehicle counts over four hours, at `step`, sorted.
fn series(store: &SqliteStore, scope: Scope, resolution: Resolution, step: i64) -> Vec<(i64, f64)> {
    let city = city();
    let s = city.sensor("tl-0042").expect("registered");
    let q = SeriesQuery {
        scope,
        metric: city.metric_idx(s.domain, "vehicle_count").expect("metric"),
        from_ms: T0 - 3_600_000,
        to_ms: T0 + 3 * 3_600_000,
    };
    let rows: Vec<Row> = store.rows(&q, resolution).expect("rows");
    let mut out: Vec<(i64, f64)> = [Agg::Mean, Agg::Count, Agg::Min, Agg::Max, Agg::Last]
        .iter()
        .flat_map(|agg| fold(&rows, step, *agg).into_iter().map(|p| (p.t, p.value)))
        .collect();
    out.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    out
}

#[test]
fn a_history_query_before_a_flush_answers_as_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    let s = city().sensor("tl-0042").expect("registered").clone();
    let group = Scope::Group {
        domain: s.domain,
        district: Some(s.district),
    };
    // Two flushed hours, then a third hour still open, with a reading into a flushed bucket.
    let counts = |steps: std::ops::Range<i64>, value: fn(i64) -> f64| -> Vec<Reading> {
        steps
            .map(|i| {
                reading(
                    SENSORS[i as usize % 3],
                    "vehicle_count",
                    T0 + i * 15_000,
                    value(i),
                )
            })
            .collect()
    };
    let early = counts(0..480, |i| i as f64);
    store.write(&early).expect("write");
    store.flush_rollups().expect("flush");
    let open_hour = counts(480..600, |i| (i % 7) as f64);
    store.write(&open_hour).expect("write");
    // The interval closes with one more reading: the third hour's buckets are flushing, two
    // written per batch (two so far), and the new reading's bucket is open.
    store.set_rollup_flush_chunk(2);
    store.set_rollup_flush_interval(Duration::ZERO);
    let closing = [reading("tl-0042", "vehicle_count", T0 + 600 * 15_000, 3.0)];
    store.write(&closing).expect("write");
    store.set_rollup_flush_interval(Duration::from_secs(3600));
    let cases = [
        (Scope::Sensor("tl-0042".into()), Resolution::Minute, 60_000),
        (Scope::Sensor("tl-0042".into()), Resolution::Hour, 3_600_000),
        (group.clone(), Resolution::Minute, 300_000),
        (group, Resolution::Hour, 3_600_000),
    ];
    let before: Vec<_> = cases
        .iter()
        .map(|(scope, res, step)| series(&store, scope.clone(), *res, *step))
        .collect();
    let minute_rows = |store: &SqliteStore| {
        let q = SeriesQuery {
            scope: Scope::Sensor("tl-0042".into()),
            metric: early[0].metric,
            from_ms: T0,
            to_ms: T0 + 3 * 3_600_000,
        };
        store.rows(&q, Resolution::Minute).expect("rows")
    };
    let rows_before = minute_rows(&store);
    assert!(pending(&store) > 0, "the third hour is not flushed yet");
    // Empty batches write the closed interval to its end; the closing reading stays open.
    for _ in 0..200 {
        store.write(&[]).expect("write");
    }
    assert_eq!(
        pending(&store),
        1,
        "only the open interval's minute is listed"
    );
    let written: Vec<_> = cases
        .iter()
        .map(|(scope, res, step)| series(&store, scope.clone(), *res, *step))
        .collect();
    store.flush_rollups().expect("flush");
    for (((scope, res, step), before), written) in cases.iter().zip(before).zip(written) {
        let after = series(&store, scope.clone(), *res, *step);
        assert_eq!(after, before, "mid-flush: {scope:?} {res:?}");
        assert_eq!(after, written, "closed interval written: {scope:?} {res:?}");
    }
    let rows_after = minute_rows(&store);
    assert_eq!(
        rows_before, rows_after,
        "the same rollup rows, one per minute"
    );
}
