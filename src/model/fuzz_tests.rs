//! The fuzz target `decode`'s invariants (`invariants.rs`) in the normal suite: over every seed
//! of `fuzz/seeds/decode/`, and over structured inputs that proptest builds and then mutates.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::invariants::{check_decode, check_input, demo_city, limits, NOW_MS};
use super::Outcome;

pub(crate) fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("seed dir entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

#[test]
fn every_decode_seed_keeps_the_invariants_and_the_seeds_cover_every_outcome() {
    let seeds = seeds("decode");
    assert!(seeds.len() >= 10, "only {} seeds", seeds.len());
    let mut outcomes = Vec::new();
    for (path, bytes) in &seeds {
        let d = check_input(bytes).unwrap_or_else(|why| panic!("{}: {why}", path.display()));
        outcomes.push(d.outcome());
    }
    for o in Outcome::ALL {
        assert!(outcomes.contains(&o), "no seed is {}", o.as_str());
    }
}

const METRICS: [&str; 8] = [
    "vehicle_count",
    "avg_speed_kmh",
    "occupancy_pct",
    "pm25",
    "pm10",
    "temperature_c",
    "water_level_cm",
    "waiting",
];

fn arb_topic() -> impl Strategy<Value = String> {
    let domain = prop_oneof![
        Just("traffic".to_owned()),
        Just("environment".to_owned()),
        Just("public_service".to_owned()),
        "[a-z_.]{0,12}",
    ];
    let district = prop_oneof![
        Just("hai-chau".to_owned()),
        Just("son-tra".to_owned()),
        Just("hai-van".to_owned()),
        "[a-z-]{0,12}",
    ];
    let sensor = prop_oneof![
        Just("tl-0042".to_owned()),
        Just("aq-0019".to_owned()),
        Just("qs-0001".to_owned()),
        "(tl|aq|qs|wl)-[0-9]{4}",
        "[ -~]{0,70}",
    ];
    // A level far too long, as a broken publisher may send: it must be quoted back short.
    let long =
        (".", 60..3000_usize).prop_map(|(c, n)| format!("city/{}/hai-chau/tl-0042", c.repeat(n)));
    prop_oneof![
        8 => (domain, district, sensor).prop_map(|(a, b, c)| format!("city/{a}/{b}/{c}")),
        2 => "\\PC{0,60}",
        1 => long,
    ]
}

/// A JSON value of any type, biased towards what the decoder looks at: numbers in and out of
/// range, unix milliseconds and seconds, RFC 3339 strings.
pub(crate) fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0.0..150.0_f64).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (NOW_MS - 86_400_000..NOW_MS + 86_400_000).prop_map(Value::from),
        (1.5e9..1.9e9_f64).prop_map(Value::from),
        (-1e6..1e6_f64).prop_map(Value::from),
        Just(json!("2025-11-23T13:40:00+07:00")),
        "\\PC{0,24}".prop_map(Value::String),
        Just(json!([1, 2])),
        Just(json!({"v": 1})),
    ]
}

fn arb_key(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(known).prop_map(str::to_owned),
        2 => proptest::sample::select(&METRICS[..]).prop_map(str::to_owned),
        1 => "\\PC{0,10}",
    ]
}

fn arb_object(known: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::collection::vec((arb_key(known), arb_value()), 0..7)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

/// A SenML record: each field present or not, mostly of its own type, sometimes of another.
fn arb_senml_record() -> impl Strategy<Value = Value> {
    use proptest::option::weighted as maybe;
    let name = prop_oneof![
        4 => proptest::sample::select(&METRICS[..]).prop_map(Value::from),
        1 => "(urn:dev:)?[a-z0-9:/_-]{0,16}".prop_map(Value::from),
        1 => arb_value(),
    ];
    let base_name = prop_oneof![
        3 => "(urn:dev:[a-z]{2}-[0-9]{4}:)?".prop_map(Value::from),
        1 => arb_value(),
    ];
    let time = prop_oneof![
        (1.7e9..1.8e9_f64).prop_map(Value::from),
        (-3600.0..60.0_f64).prop_map(Value::from),
        arb_value(),
    ];
    let extra = (arb_key(&["ts", "bu", "s", "vd"]), arb_value());
    (
        (
            maybe(0.3, base_name),
            maybe(0.3, time.clone()),
            maybe(0.2, arb_value()),
        ),
        (
            maybe(0.6, name),
            maybe(0.5, arb_value()),
            maybe(0.15, arb_value()),
        ),
        (
            maybe(0.1, any::<bool>()),
            maybe(0.3, time),
            maybe(0.2, extra),
        ),
    )
        .prop_map(|((bn, bt, bv), (n, v, vs), (vb, t, extra))| {
            let vb = vb.map(Value::from);
            let mut m = Map::new();
            let fields = [("bn", bn), ("bt", bt), ("bv", bv), ("n", n), ("v", v)];
            for (k, v) in fields.into_iter().chain([("vs", vs), ("vb", vb), ("t", t)]) {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

/// One message: a record, a batch of records, or a SenML pack, as JSON text.
fn arb_payload() -> impl Strategy<Value = Vec<u8>> {
    const RECORD: &[&str] = &["ts", "seq"];
    const SENML: &[&str] = &["bn", "bt", "bv", "bu", "n", "v", "vs", "vb", "vd", "t", "s"];
    let senml = prop_oneof![6 => arb_senml_record(), 2 => arb_object(SENML), 1 => arb_value()];
    prop_oneof![
        arb_object(RECORD),
        proptest::collection::vec(
            prop_oneof![4 => arb_object(RECORD), 1 => arb_value()],
            0..13
        )
        .prop_map(Value::Array),
        // Short packs half of the time: one record decides more often.
        prop_oneof![
            proptest::collection::vec(senml.clone(), 1..3),
            proptest::collection::vec(senml, 0..13),
        ]
        .prop_map(Value::Array),
    ]
    .prop_map(|v| v.to_string().into_bytes())
}

/// What a fuzzer does to an input: drop, overwrite or insert a byte, or cut it short.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Remove(usize),
    Set(usize, u8),
    Insert(usize, u8),
    Truncate(usize),
}

pub(crate) fn arb_mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ];
    prop_oneof![2 => Just(Vec::new()), 1 => proptest::collection::vec(one, 1..4)]
}

pub(crate) fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Remove(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Mutation::Set(i, b) if len > 0 => bytes[i % len] = b,
            Mutation::Insert(i, b) => bytes.insert(i % (len + 1), b),
            Mutation::Truncate(i) => bytes.truncate(i % (len + 1)),
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn structured_and_mutated_messages_keep_the_decode_invariants(
        topic in arb_topic(),
        payload in arb_payload(),
        mutations in arb_mutations(),
    ) {
        let payload = mutate(payload, &mutations);
        if let Err(why) = check_decode(demo_city(), &limits(), &topic, &payload, NOW_MS) {
            prop_assert!(false, "{}", why);
        }
    }
}
