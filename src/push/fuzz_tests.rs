//! The fuzz target `ws_message`'s invariants (`invariants.rs`) in the normal suite: over every
//! seed of `fuzz/seeds/ws_message/`, and over client messages that proptest builds and then
//! mutates.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::invariants::check_text;
use super::protocol::{parse, MAX_ID_LEN};
use crate::model::fuzz_tests::{arb_mutations, arb_value, mutate, seeds};

#[test]
fn every_ws_message_seed_keeps_the_invariants_and_some_are_accepted() {
    let seeds = seeds("ws_message");
    assert!(seeds.len() >= 10, "only {} seeds", seeds.len());
    let mut accepted = 0;
    for (path, bytes) in &seeds {
        let text = String::from_utf8_lossy(bytes);
        check_text(&text).unwrap_or_else(|why| panic!("{}: {why}", path.display()));
        accepted += usize::from(parse(&text, 256).is_ok());
    }
    assert!(accepted >= 3, "only {accepted} seeds parse");
}

fn arb_stream() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("kpi".to_owned()),
        Just("alerts".to_owned()),
        Just("sensor-status".to_owned()),
        Just("indicators".to_owned()),
        "indicators/(traffic|environment|\\*|[a-z]{1,6})/(city|hai-chau|\\*|[a-z-]{1,8})",
        "sensor/[a-z0-9.-]{0,70}",
        "\\PC{0,20}",
    ]
}

fn arb_id() -> impl Strategy<Value = String> {
    let near_limit = (MAX_ID_LEN - 2..MAX_ID_LEN + 3).prop_map(|n| "x".repeat(n));
    prop_oneof![3 => "\\PC{0,20}", 1 => near_limit]
}

/// A client message: a known op (or another) with fields of the right type most of the time.
fn arb_message() -> impl Strategy<Value = String> {
    let op = prop_oneof![
        Just("subscribe".to_owned()),
        Just("unsubscribe".to_owned()),
        Just("ping".to_owned()),
        Just("auth".to_owned()),
        "[a-z]{0,10}",
    ];
    let streams = prop_oneof![
        4 => proptest::collection::vec(arb_stream(), 0..6).prop_map(Value::from),
        1 => arb_value(),
    ];
    let resume = prop_oneof![
        3 => proptest::collection::btree_map(arb_stream(), any::<u64>(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, v.into())).collect())),
        1 => arb_value(),
    ];
    let field = |v: BoxedStrategy<Value>| proptest::option::weighted(0.5, v);
    (
        op,
        field(arb_id().prop_map(Value::String).boxed()),
        field(streams.boxed()),
        field(resume.boxed()),
        field("[0-9a-f]{0,12}".prop_map(Value::String).boxed()),
        field(arb_value().boxed()),
        "[a-z_]{1,8}",
    )
        .prop_map(|(op, id, streams, resume, epoch, extra, extra_key)| {
            let mut m = Map::new();
            m.insert("op".into(), Value::String(op));
            for (k, v) in [
                ("id", id),
                ("streams", streams),
                ("resume_from", resume),
                ("epoch", epoch),
                (extra_key.as_str(), extra),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn structured_and_mutated_client_messages_keep_the_parse_invariants(
        text in arb_message(),
        mutations in arb_mutations(),
    ) {
        let bytes = mutate(text.into_bytes(), &mutations);
        if let Err(why) = check_text(&String::from_utf8_lossy(&bytes)) {
            prop_assert!(false, "{}", why);
        }
    }
}
