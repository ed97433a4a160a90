//! An indicator's values over time, per sensor and pooled over sensors, from stored rollups.
//! Pure: the rows are read by the caller (`service.rs`).

use std::collections::BTreeMap;

use crate::indicators::aqi::Pollutant;
use crate::model::{City, Sensor};
use crate::store::Row;

use super::air::{self, HOUR_MS};
use super::indicator::{Indicator, Pool};
use super::rows::{Rows, SensorRows};

/// What a series is computed over.
pub struct SeriesInput<'a> {
    pub city: &'a City,
    pub indicator: Indicator,
    /// The base buckets' size: a minute or an hour (a day's hours are read by the hour).
    pub bucket_ms: i64,
    /// `[from, to)`, aligned to `bucket_ms`.
    pub from: i64,
    pub to: i64,
    /// For daily values: where each local day starts over the range, and the end of the last.
    pub days: &'a [i64],
    /// Free-flow speed of a road without its own, km/h.
    pub default_free_flow_kmh: f64,
    /// SLA target of a centre without its own, seconds.
    pub default_sla_target_s: f64,
}

/// One value per base bucket (or day) of one sensor, each a row: `Row::raw(t, v)`, or for
/// the SLA share people served (`count`) and served within target (`sum`).
pub fn sensor_values(input: &SeriesInput, sensor: &Sensor, rows: &SensorRows) -> Vec<Row> {
    let known = &input.city.known;
    let buckets = (input.from..input.to).step_by(input.bucket_ms.max(1) as usize);
    let raw = |t: i64, v: Option<f64>| v.filter(|v| v.is_finite()).map(|v| Row::raw(t, v));
    match input.indicator {
        Indicator::VnAqiHourly | Indicator::EpaAqi | Indicator::VnAqiDaily => {
            air_values(input, rows)
                .into_iter()
                .map(|(r, _)| r)
                .collect()
        }
        Indicator::CongestionIndex => {
            let free = sensor.free_flow_kmh.unwrap_or(input.default_free_flow_kmh);
            buckets
                .filter_map(|t| {
                    let speed = rows.mean(known.avg_speed_kmh, t)?;
                    raw(t, Some((1.0 - speed / free).clamp(0.0, 1.0)))
                })
                .collect()
        }
        Indicator::FlowVph => buckets
            .filter_map(|t| {
                let r = rows.row(known.vehicle_count?, t)?;
                raw(t, Some(r.sum * HOUR_MS as f64 / input.bucket_ms as f64))
            })
            .collect(),
        Indicator::QueueWaitS => buckets
            .filter_map(|t| raw(t, rows.mean(known.avg_wait_s, t)))
            .collect(),
        Indicator::SlaShare => {
            let target = sensor.sla_target_s.unwrap_or(input.default_sla_target_s);
            buckets
                .filter_map(|t| sla(rows, input, target, t))
                .collect()
        }
        Indicator::Completeness => {
            let expected = input.bucket_ms as f64 / sensor.interval_ms.max(1) as f64;
            buckets
                .map(|t| Row::raw(t, (rows.readings(t) as f64 / expected).min(1.0)))
                .collect()
        }
    }
}

/// An air index of one station per hour (or local day), each with its dominant pollutant.
fn air_values(input: &SeriesInput, rows: &SensorRows) -> Vec<(Row, Pollutant)> {
    let known = &input.city.known;
    if input.indicator == Indicator::VnAqiDaily {
        return input
            .days
            .windows(2)
            .filter_map(|d| {
                let hours: Vec<i64> = (d[0]..d[1]).step_by(HOUR_MS as usize).collect();
                let v = air::day(rows, known, &hours).daily.ok()?;
                Some((Row::raw(d[0], f64::from(v.aqi)), v.dominant))
            })
            .collect();
    }
    (input.from..input.to)
        .step_by(input.bucket_ms.max(1) as usize)
        // VN_AQI needs particulates (the NowCast's 2 of 3 hours); the EPA AQI does not.
        .filter(|t| input.indicator == Indicator::EpaAqi || recent_pm(rows, known, *t))
        .filter_map(|t| {
            let a = air::hour(rows, known, t);
            let (aqi, dominant) = match input.indicator {
                Indicator::EpaAqi => a.epa_aqi.value().map(|e| (e.aqi, e.dominant))?,
                _ => a.vn_aqi_hourly.value().map(|e| (e.aqi, e.dominant))?,
            };
            Some((Row::raw(t, f64::from(aqi)), dominant))
        })
        .collect()
}

/// Whether an hourly index may exist at `t`: the NowCast needs 2 of the last 3 hours.
fn recent_pm(rows: &SensorRows, known: &crate::model::KnownMetrics, t: i64) -> bool {
    (0..3).any(|i| {
        let h = t - i * HOUR_MS;
        rows.mean(known.pollutants[0], h).is_some() || rows.mean(known.pollutants[1], h).is_some()
    })
}

/// People served in the bucket (each report counts the last 5 minutes), and how many of them
/// while the centre's mean wait met its target.
fn sla(rows: &SensorRows, input: &SeriesInput, target_s: f64, t: i64) -> Option<Row> {
    let known = &input.city.known;
    let per_5m = rows.mean(known.served_last_5m, t)?;
    let wait = rows.mean(known.avg_wait_s, t)?;
    let served = (per_5m * input.bucket_ms as f64 / 300_000.0).round();
    if !(served >= 1.0 && served.is_finite()) {
        return None;
    }
    let within = if wait <= target_s { served } else { 0.0 };
    let share = within / served;
    Some(Row {
        t,
        count: served as u64,
        sum: within,
        min: share,
        max: share,
        last: share,
        last_ts: t,
    })
}

/// The sensors' values pooled per time as the indicator pools: the worst station, the mean
/// or the sum over sensors, or people pooled.
pub fn pooled(pool: Pool, per_sensor: impl IntoIterator<Item = Vec<Row>>) -> Vec<Row> {
    let mut at: BTreeMap<i64, (Row, u64)> = BTreeMap::new();
    for values in per_sensor {
        for v in values {
            at.entry(v.t)
                .and_modify(|(acc, n)| {
                    *n += 1;
                    match pool {
                        Pool::Max => *acc = Row::raw(v.t, acc.max.max(v.max)),
                        Pool::Mean | Pool::Sum => *acc = Row::raw(v.t, acc.sum + v.sum),
                        Pool::People => acc.merge(&v),
                    }
                })
                .or_insert((v, 1));
        }
    }
    at.into_values()
        .map(|(row, n)| match pool {
            Pool::Mean => Row::raw(row.t, row.sum / n as f64),
            Pool::People if row.count > 0 => {
                let share = row.sum / row.count as f64;
                Row {
                    min: share,
                    max: share,
                    last: share,
                    ..row
                }
            }
            _ => row,
        })
        .collect()
}

/// An indicator's pooled values and, for the air indices, the dominant pollutant of each (the
/// worst station's).
pub struct Computed {
    pub values: Vec<Row>,
    pub dominant: Vec<(i64, Pollutant)>,
}

/// The series of `sensors` (registered ones in the caller's scope), from their `rows`.
pub fn compute(input: &SeriesInput, sensors: &[&Sensor], rows: &Rows) -> Computed {
    let empty = SensorRows::default();
    let rows_of = |s: &Sensor| rows.get(&s.id).unwrap_or(&empty);
    if !input.indicator.is_air() {
        let per_sensor = sensors.iter().map(|s| sensor_values(input, s, rows_of(s)));
        return Computed {
            values: pooled(input.indicator.pool(), per_sensor),
            dominant: Vec::new(),
        };
    }
    let mut worst: BTreeMap<i64, (f64, Pollutant)> = BTreeMap::new();
    let mut per_sensor = Vec::with_capacity(sensors.len());
    for s in sensors {
        let values = air_values(input, rows_of(s));
        for (row, dominant) in &values {
            let w = worst.entry(row.t).or_insert((row.max, *dominant));
            if row.max > w.0 {
                *w = (row.max, *dominant);
            }
        }
        per_sensor.push(values.into_iter().map(|(r, _)| r).collect());
    }
    Computed {
        values: pooled(input.indicator.pool(), per_sensor),
        dominant: worst.into_iter().map(|(t, (_, p))| (t, p)).collect(),
    }
}
