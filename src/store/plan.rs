//! Pure query planning: which table answers a series, with which step, and how rows fold
//! into points. No I/O.

use std::collections::BTreeMap;

use super::{Agg, Point, RetentionPolicy, Row};

/// The table a series is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Raw,
    Minute,
    Hour,
}

impl Resolution {
    pub fn step_ms(self) -> i64 {
        match self {
            Resolution::Raw => 1,
            Resolution::Minute => 60_000,
            Resolution::Hour => 3_600_000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolution::Raw => "raw",
            Resolution::Minute => "rollup_1m",
            Resolution::Hour => "rollup_1h",
        }
    }

    fn retention(self, r: &RetentionPolicy) -> i64 {
        match self {
            Resolution::Raw => r.raw_ms,
            Resolution::Minute => r.rollup_1m_ms,
            Resolution::Hour => r.rollup_1h_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub resolution: Resolution,
    pub step_ms: i64,
    /// True when the range starts before the chosen table's retention horizon: the oldest
    /// part is no longer held locally.
    pub beyond_retention: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("`from` must be before `to`")]
    EmptyRange,
    #[error("step {step_s} s over this range gives {points} points; at most {max} are allowed (use step >= {min_step_s} s)")]
    TooManyPoints {
        step_s: i64,
        points: i64,
        max: i64,
        min_step_s: i64,
    },
    #[error("step {step_s} s is finer than the data kept this far back ({kept}); use a step of at least {min_step_s} s")]
    StepTooFine {
        step_s: i64,
        kept: &'static str,
        min_step_s: i64,
    },
}

/// Chooses the table and step. `step_ms = None` picks the finest step that keeps the answer
/// within `max_points`. The coarsest table that is no coarser than the step and still covers
/// `from_ms` is used: rollups are exact for every aggregate, and fewer rows are read.
pub fn plan(
    from_ms: i64,
    to_ms: i64,
    step_ms: Option<i64>,
    max_points: i64,
    now_ms: i64,
    retention: &RetentionPolicy,
) -> Result<Plan, PlanError> {
    let span = to_ms
        .checked_sub(from_ms)
        .filter(|s| *s > 0)
        .ok_or(PlanError::EmptyRange)?;
    let min_step = ceil_div(span, max_points).max(1);
    let step = match step_ms {
        Some(s) => {
            let points = ceil_div(span, s);
            if points > max_points {
                return Err(PlanError::TooManyPoints {
                    step_s: s / 1000,
                    points,
                    max: max_points,
                    min_step_s: ceil_div(min_step, 1000),
                });
            }
            s
        }
        None => nice_step(min_step),
    };
    let covers = |r: Resolution| from_ms >= now_ms - r.retention(retention);
    let candidates = [Resolution::Raw, Resolution::Minute, Resolution::Hour];
    let usable = |r: &Resolution| r.step_ms() <= step && step % r.step_ms() == 0;
    let chosen = candidates
        .iter()
        .rev()
        .copied()
        .filter(usable)
        .find(|r| covers(*r));
    if let Some(resolution) = chosen {
        return Ok(Plan {
            resolution,
            step_ms: step,
            beyond_retention: false,
        });
    }
    // Some table covers the range but is coarser than the step: ask for a coarser step.
    if let Some(finest) = candidates.iter().copied().find(|r| covers(*r)) {
        let kept = match finest {
            Resolution::Raw => "raw readings",
            Resolution::Minute => "1-minute rollups",
            Resolution::Hour => "1-hour rollups",
        };
        return Err(PlanError::StepTooFine {
            step_s: step / 1000,
            kept,
            min_step_s: finest.step_ms() / 1000,
        });
    }
    // Nothing local reaches back that far: the coarsest usable table answers what it still
    // holds, and the caller may ask InfluxDB for the rest.
    let coarsest = candidates
        .iter()
        .rev()
        .copied()
        .find(usable)
        .unwrap_or(Resolution::Raw);
    Ok(Plan {
        resolution: coarsest,
        step_ms: step,
        beyond_retention: true,
    })
}

/// The smallest of 1 s, 5 s, 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 3 h, 6 h, 12 h,
/// 1 d, 7 d at or above `min_ms`.
fn nice_step(min_ms: i64) -> i64 {
    const STEPS: [i64; 14] = [
        1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800,
    ];
    STEPS
        .iter()
        .map(|s| s * 1000)
        .find(|s| *s >= min_ms)
        .unwrap_or(ceil_div(min_ms, 86_400_000) * 86_400_000)
}

/// `a / b` rounded up, for positive `b` (i64::div_ceil is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    let b = b.max(1);
    a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0)
}

impl Plan {
    /// This plan reading no coarser a table than `finest`: a calendar step whose starts are
    /// not on the hour (a zone off the hour) must not fold hour buckets that straddle two.
    /// The range may then reach past the finer table's retention.
    pub fn no_coarser_than(
        self,
        finest: Resolution,
        from_ms: i64,
        now_ms: i64,
        retention: &RetentionPolicy,
    ) -> Plan {
        if self.resolution.step_ms() <= finest.step_ms() {
            return self;
        }
        Plan {
            resolution: finest,
            beyond_retention: self.beyond_retention
                || from_ms < now_ms - finest.retention(retention),
            ..self
        }
    }
}

/// Folds rows (any order) into one point per step that has data. Steps are aligned to the
/// epoch, so a rollup bucket never straddles two steps.
pub fn fold(rows: &[Row], step_ms: i64, agg: Agg) -> Vec<Point> {
    fold_by(rows, agg, |t| Some(t.div_euclid(step_ms) * step_ms))
}

/// Folds rows (any order) into the steps starting at `starts` (ascending, as
/// `model::Zone::step_starts` gives them): a row belongs to the last start at or before it.
/// The caller reads a table whose buckets never straddle two starts.
pub fn fold_at(rows: &[Row], starts: &[i64], agg: Agg) -> Vec<Point> {
    fold_by(rows, agg, |t| {
        let i = starts.partition_point(|s| *s <= t);
        i.checked_sub(1).map(|i| starts[i])
    })
}

/// One point per step that has data; `step_of` gives a row's step start (`None`: none).
fn fold_by(rows: &[Row], agg: Agg, step_of: impl Fn(i64) -> Option<i64>) -> Vec<Point> {
    let mut buckets: BTreeMap<i64, Row> = BTreeMap::new();
    for r in rows {
        let Some(t) = step_of(r.t) else {
            continue;
        };
        buckets.entry(t).and_modify(|b| b.merge(r)).or_insert(*r);
    }
    buckets
        .into_iter()
        .map(|(t, b)| {
            let value = match agg {
                Agg::Mean => b.sum / b.count as f64,
                Agg::Min => b.min,
                Agg::Max => b.max,
                Agg::Sum => b.sum,
                Agg::Count => b.count as f64,
                Agg::Last => b.last,
            };
            Point { t, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_763_880_000_000;
    const RET: RetentionPolicy = RetentionPolicy {
        raw_ms: 7 * DAY,
        rollup_1m_ms: 90 * DAY,
        rollup_1h_ms: 730 * DAY,
    };

    #[test]
    fn calendar_steps_take_each_row_into_the_last_start_at_or_before_it() {
        let h = 3_600_000;
        let starts = [17 * h, 41 * h]; // two local midnights at +07:00
        let rows: Vec<Row> = [(17, 1.0), (40, 2.0), (41, 4.0), (64, 8.0)]
            .iter()
            .map(|&(hour, v)| Row::raw(hour * h, v))
            .collect();
        let points: Vec<(i64, f64)> = fold_at(&rows, &starts, Agg::Sum)
            .iter()
            .map(|p| (p.t, p.value))
            .collect();
        assert_eq!(points, [(17 * h, 3.0), (41 * h, 12.0)]);
    }

    #[test]
    fn a_calendar_off_the_hour_reads_minute_rollups_and_says_when_they_fall_short() {
        let p = plan(NOW - 30 * DAY, NOW, Some(DAY), 2000, NOW, &RET).expect("plan");
        assert_eq!(p.resolution, Resolution::Hour);
        let finer = p.no_coarser_than(Resolution::Minute, NOW - 30 * DAY, NOW, &RET);
        assert_eq!(
            (finer.resolution, finer.beyond_retention),
            (Resolution::Minute, false)
        );
        let p = plan(NOW - 200 * DAY, NOW, Some(DAY), 2000, NOW, &RET).expect("plan");
        let finer = p.no_coarser_than(Resolution::Minute, NOW - 200 * DAY, NOW, &RET);
        assert!(finer.beyond_retention, "1-minute rollups are kept 90 days");
        assert_eq!(p.no_coarser_than(Resolution::Hour, 0, NOW, &RET), p);
    }

    #[test]
    fn a_fine_step_over_recent_data_reads_raw_rows() {
        let p = plan(NOW - 3_600_000, NOW, Some(10_000), 2000, NOW, &RET).expect("plan");
        assert_eq!(
            (p.resolution, p.step_ms, p.beyond_retention),
            (Resolution::Raw, 10_000, false)
        );
    }

    #[test]
    fn no_step_picks_the_finest_nice_step_within_the_point_limit() {
        let p = plan(NOW - 7 * DAY, NOW, None, 2000, NOW, &RET).expect("plan");
        assert_eq!(p.step_ms, 900_000, "7 days / 2000 points = 302 s → 15 min");
        assert_eq!(p.resolution, Resolution::Minute);
        let p = plan(NOW - 30 * DAY, NOW, None, 2000, NOW, &RET).expect("plan");
        assert_eq!((p.resolution, p.step_ms), (Resolution::Minute, 1_800_000));
    }

    #[test]
    fn data_older_than_raw_retention_comes_from_rollups() {
        let p = plan(
            NOW - 30 * DAY,
            NOW - 29 * DAY,
            Some(60_000),
            2000,
            NOW,
            &RET,
        )
        .expect("plan");
        assert_eq!(p.resolution, Resolution::Minute);
        let p = plan(
            NOW - 400 * DAY,
            NOW - 399 * DAY,
            Some(3_600_000),
            2000,
            NOW,
            &RET,
        )
        .expect("plan");
        assert_eq!(p.resolution, Resolution::Hour);
    }

    #[test]
    fn too_many_points_and_too_fine_steps_are_refused_with_the_step_to_use() {
        let e = plan(NOW - DAY, NOW, Some(1000), 2000, NOW, &RET).unwrap_err();
        assert_eq!(
            e,
            PlanError::TooManyPoints {
                step_s: 1,
                points: 86_400,
                max: 2000,
                min_step_s: 44
            }
        );
        let e = plan(
            NOW - 30 * DAY,
            NOW - 30 * DAY + 60_000,
            Some(10_000),
            2000,
            NOW,
            &RET,
        )
        .unwrap_err();
        assert!(matches!(e, PlanError::StepTooFine { min_step_s: 60, .. }));
        assert_eq!(
            plan(NOW, NOW, None, 10, NOW, &RET),
            Err(PlanError::EmptyRange)
        );
    }

    #[test]
    fn a_range_past_every_retention_is_flagged() {
        let p = plan(NOW - 800 * DAY, NOW, Some(86_400_000), 2000, NOW, &RET).expect("plan");
        assert_eq!((p.resolution, p.beyond_retention), (Resolution::Hour, true));
    }

    #[test]
    fn rows_fold_into_steps_by_each_aggregate() {
        let rows = [
            Row::raw(0, 1.0),
            Row::raw(5, 3.0),
            Row::raw(12, 10.0),
            Row::raw(3, 2.0),
        ];
        let v = |agg| {
            fold(&rows, 10, agg)
                .iter()
                .map(|p| (p.t, p.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(v(Agg::Mean), [(0, 2.0), (10, 10.0)]);
        assert_eq!(v(Agg::Min), [(0, 1.0), (10, 10.0)]);
        assert_eq!(v(Agg::Max), [(0, 3.0), (10, 10.0)]);
        assert_eq!(v(Agg::Sum), [(0, 6.0), (10, 10.0)]);
        assert_eq!(v(Agg::Count), [(0, 3.0), (10, 1.0)]);
        assert_eq!(
            v(Agg::Last),
            [(0, 3.0), (10, 10.0)],
            "last by time, not by arrival"
        );
    }
}
