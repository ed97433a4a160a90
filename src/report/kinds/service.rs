//! The public-service report (Trung tâm Phục vụ hành chính công): per centre and day, the
//! people served, the mean and 90th-percentile wait, the share served within the centre's
//! target (SLA) and the longest queue.

use super::{columns, Context};
use crate::model::Sensor;
use crate::report::table::{col, Cell, Column, Section};

const FIGURES: &[Column] = &[
    col("served", "Số lượt phục vụ", "People served", "people"),
    col("mean_wait_s", "Thời gian chờ trung bình", "Mean wait", "s"),
    col(
        "p90_wait_s",
        "Thời gian chờ P90",
        "90th-percentile wait",
        "s",
    ),
    col(
        "sla_share",
        "Tỷ lệ đúng hạn",
        "Share within target (SLA)",
        "ratio",
    ),
    col("sla_target_s", "Thời gian chờ mục tiêu", "Target wait", "s"),
    col(
        "max_waiting",
        "Số người chờ lớn nhất",
        "Longest queue",
        "people",
    ),
];

/// One hour of a centre: people served (each report counts the last 5 minutes) and the mean
/// reported wait.
fn hours_of(cx: &Context, centre: &Sensor, hours: &[i64]) -> Vec<(f64, f64)> {
    let k = &cx.city.known;
    let r = cx.rows_of(centre);
    hours
        .iter()
        .filter_map(|t| {
            let served = (r.mean(k.served_last_5m, *t)? * 12.0).round();
            let wait = r.mean(k.avg_wait_s, *t)?;
            Some((served, wait))
        })
        .collect()
}

/// The wait below which `q` of the people served waited (hours weighted by people).
fn percentile(hours: &[(f64, f64)], q: f64) -> Option<f64> {
    let mut by_wait: Vec<(f64, f64)> = hours.iter().filter(|h| h.0 > 0.0).copied().collect();
    by_wait.sort_by(|a, b| a.1.total_cmp(&b.1));
    let total: f64 = by_wait.iter().map(|h| h.0).sum();
    let mut seen = 0.0;
    for (people, wait) in by_wait {
        seen += people;
        if seen >= q * total {
            return Some(wait);
        }
    }
    None
}

pub fn section(cx: &Context) -> Section {
    let k = &cx.city.known;
    let mut rows = Vec::new();
    for centre in &cx.sensors {
        let target = centre
            .sla_target_s
            .unwrap_or(cx.params.default_sla_target_s);
        for (start, hours) in cx.each_day() {
            let h = hours_of(cx, centre, &hours);
            let served: f64 = h.iter().map(|x| x.0).sum();
            let within: f64 = h.iter().filter(|x| x.1 <= target).map(|x| x.0).sum();
            let waited: f64 = h.iter().map(|x| x.0 * x.1).sum();
            let longest = k.waiting.and_then(|m| {
                let r = cx.rows_of(centre);
                hours
                    .iter()
                    .filter_map(|t| r.row(m, *t).map(|x| x.max))
                    .reduce(f64::max)
            });
            let mut row = cx.head(centre, start);
            row.extend([
                Cell::Int(served as i64),
                Cell::num((served > 0.0).then(|| waited / served)),
                Cell::num(percentile(&h, 0.9)),
                Cell::num((served > 0.0).then(|| within / served)),
                Cell::num(Some(target)),
                Cell::num(longest),
            ]);
            rows.push(row);
        }
    }
    Section {
        key: "rows",
        columns: columns(("Trung tâm", "Centre"), FIGURES),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn the_90th_percentile_weighs_hours_by_the_people_served() {
        let hours = [(10.0, 100.0), (80.0, 200.0), (10.0, 900.0)];
        assert_eq!(percentile(&hours, 0.9), Some(200.0));
        assert_eq!(percentile(&hours, 0.95), Some(900.0));
        assert_eq!(percentile(&[], 0.9), None);
    }
}
