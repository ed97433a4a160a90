//! Fault injection produces the configured share of each fault, visible in the stream itself.

use std::collections::HashMap;

use simulators::faults::Fault;
use simulators::generate::SimMessage;

use crate::helpers::{generate, object, HOUR_MS, MONDAY_MS};

const RATE: f64 = 0.04;

fn within(what: &str, observed: u64, total: u64, rate: f64, tolerance: f64) {
    let share = observed as f64 / total as f64;
    assert!(
        (share - rate).abs() <= rate * tolerance,
        "{what}: {observed} of {total} = {share:.4}, configured {rate}"
    );
}

#[test]
fn each_fault_appears_at_its_configured_share() {
    let scenario = format!(
        "[traffic]\n[air]\n[water]\n[queues]\n[faults]\ndropout = {RATE}\nstuck = {RATE}\nspike = {RATE}\nclock_skew = {RATE}\nduplicate = {RATE}\nout_of_order = {RATE}\nmalformed = {RATE}\n"
    );
    let (msgs, stats) = generate(&scenario, MONDAY_MS + 8 * HOUR_MS, 1.0);
    let readings = stats.readings;
    assert!(readings > 40_000, "{readings} readings");
    // The generator's own counts.
    within(
        "dropout (counted)",
        stats.of(Fault::Dropout),
        readings,
        RATE,
        0.2,
    );
    let delivered = readings - stats.of(Fault::Dropout);
    for f in [
        Fault::Stuck,
        Fault::Spike,
        Fault::ClockSkew,
        Fault::Duplicate,
        Fault::OutOfOrder,
        Fault::Malformed,
    ] {
        within(f.as_str(), stats.of(f), delivered, RATE, 0.2);
    }
    assert_eq!(msgs.len() as u64, delivered + stats.of(Fault::Duplicate));

    // What a receiver can see for itself, per sensor in arrival order.
    let mut by_sensor: HashMap<&str, Vec<&SimMessage>> = HashMap::new();
    for m in &msgs {
        by_sensor.entry(&m.topic).or_default().push(m);
    }
    let (mut gaps, mut repeats, mut backwards, mut unreadable, mut skewed) = (0, 0, 0, 0, 0);
    for stream in by_sensor.values() {
        let mut last_seq = 0;
        let mut previous: Option<&SimMessage> = None;
        for m in stream {
            if previous.is_some_and(|p| p.payload == m.payload) {
                repeats += 1;
            }
            previous = Some(m);
            let Some(obj) = object(m) else {
                unreadable += 1;
                continue;
            };
            let (Some(seq), Some(ts)) = (
                obj.get("seq").and_then(|s| s.as_u64()),
                obj.get("ts").and_then(|t| t.as_i64()),
            ) else {
                continue;
            };
            if ts != m.sim_ms && !m.faults.contains(Fault::OutOfOrder) {
                skewed += 1;
            }
            if seq < last_seq {
                backwards += 1;
            } else {
                gaps += seq.saturating_sub(last_seq + 1);
                last_seq = seq;
            }
        }
    }
    within("duplicates seen", repeats, delivered, RATE, 0.2);
    within("out-of-order seen", backwards, delivered, RATE, 0.25);
    within("malformed seen", unreadable, delivered, RATE, 0.2);
    within("skewed clocks seen", skewed, delivered, RATE, 0.25);
    // Gaps in seq: lost readings, unreadable messages, and held-back ones until they come.
    let expected = stats.of(Fault::Dropout) + unreadable + backwards;
    // (Approximately: a duplicated or held-back unreadable message counts once here, twice there.)
    assert!(
        gaps.abs_diff(expected) <= expected / 20,
        "{gaps} seq gaps, {expected} expected"
    );
}

#[test]
fn stuck_sensors_repeat_their_values_and_spikes_stay_in_range() {
    let (msgs, _) = generate(
        "[traffic]\n[faults]\nstuck = 0.1\nspike = 0.05\n",
        MONDAY_MS + 8 * HOUR_MS,
        0.5,
    );
    let values = |m: &SimMessage| {
        object(m).map(|mut o| {
            o.remove("ts");
            o.remove("seq");
            o
        })
    };
    let mut last: HashMap<&str, (serde_json::Map<String, serde_json::Value>, bool)> =
        HashMap::new();
    let (mut stuck, mut same) = (0, 0);
    for m in &msgs {
        let v = values(m).expect("no malformed payloads configured");
        // A spike sits on top of the frozen values, so compare readings with no spike on either side.
        let spiked = m.faults.contains(Fault::Spike);
        if let Some((previous, previous_spiked)) = last
            .get(&*m.topic)
            .filter(|_| m.faults.contains(Fault::Stuck) && !spiked)
        {
            if !previous_spiked {
                stuck += 1;
                same += usize::from(*previous == v);
            }
        }
        if m.faults.contains(Fault::Spike) {
            assert!(
                v.values()
                    .all(|x| x.as_f64().is_some_and(|x| (0.0..=10_000.0).contains(&x))),
                "{v:?}"
            );
        }
        last.insert(&m.topic, (v, spiked));
    }
    assert!(stuck > 100);
    // The first reading of each stuck period repeats the last good one, the rest repeat it too.
    assert_eq!(
        same, stuck,
        "every stuck reading repeats the previous values"
    );
}

#[test]
fn outages_can_end_with_the_buffered_readings_as_one_batch() {
    let (msgs, stats) = generate(
        "[traffic]\n[faults]\ndropout = 0.05\ndropout_buffered = true\n",
        MONDAY_MS + 8 * HOUR_MS,
        1.0,
    );
    let batched: usize = msgs
        .iter()
        .filter_map(|m| {
            serde_json::from_slice::<serde_json::Value>(&m.payload)
                .ok()?
                .as_array()
                .map(Vec::len)
        })
        .map(|n| n - 1)
        .sum();
    // Every lost reading arrives later in a batch, but for outages still running at the end.
    let lost = stats.of(Fault::Dropout);
    assert!(
        batched as u64 <= lost && batched as f64 >= lost as f64 * 0.9,
        "{batched} batched of {lost} lost"
    );
}
