//! What every decode result keeps, whatever the topic and payload. One place for the checks run
//! by the fuzz target `fuzz/fuzz_targets/decode.rs` and by the property tests in
//! `fuzz_tests.rs`; public (and hidden) only so the fuzz crate can call it. Not an API.
//!
//! A fuzz input is `topic '\n' payload`: the bytes up to the first newline name the topic (read
//! as lossy UTF-8), the rest is the payload. An input without a newline is all payload, on
//! [`FALLBACK_TOPIC`], so the fuzzer reaches the payload decoder without having to find a topic.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::{
    parse_topic, City, Decoded, Decoder, DecoderLimits, DistrictIdx, DomainIdx, Reading, Reason,
    MIN_VALID_TS_MS,
};

/// The receive time of every fuzzed message: 2025-11-23T06:40:00Z.
pub const NOW_MS: i64 = 1_763_880_000_000;

/// The topic of an input that has no newline: a registered environment sensor.
pub const FALLBACK_TOPIC: &str = "city/environment/hai-chau/aq-0019";

/// Longest rejection `detail` (bytes). Untrusted text is quoted back truncated, so only
/// numbers can make a detail long: an `f64` printed in full is at most ~330 characters.
pub const MAX_DETAIL_BYTES: usize = 1024;

/// Longest rejection `field`: 64 bytes of the field name and the "…" of `truncate`.
pub const MAX_FIELD_BYTES: usize = 64 + '…'.len_utf8();

/// Reasons that reject the whole message: each comes alone, with no reading.
const MESSAGE_REASONS: [Reason; 9] = [
    Reason::BadTopic,
    Reason::UnknownDomain,
    Reason::UnknownDistrict,
    Reason::SensorMismatch,
    Reason::PayloadTooLarge,
    Reason::EmptyPayload,
    Reason::InvalidUtf8,
    Reason::MalformedJson,
    Reason::BatchTooLarge,
];

/// Reasons about one field of a record, which therefore name that field.
const FIELD_REASONS: [Reason; 4] = [
    Reason::BadSeq,
    Reason::UnknownMetric,
    Reason::NonNumericValue,
    Reason::OutOfRange,
];

/// The built-in demo city (`config/city.toml`), built once.
pub fn demo_city() -> &'static City {
    static CITY: OnceLock<City> = OnceLock::new();
    CITY.get_or_init(|| {
        City::from_config(&crate::model::CityConfig::demo().expect("demo city"))
            .expect("valid demo city")
    })
}

/// Small limits, so that inputs of a few KiB reach the size and batch checks.
pub fn limits() -> DecoderLimits {
    DecoderLimits {
        topic_prefix: "city".into(),
        max_payload_bytes: 4096,
        max_batch_readings: 10,
        max_future_skew_ms: 300_000,
    }
}

/// Splits a fuzz input into its topic and payload (see the module doc).
pub fn split_input(data: &[u8]) -> (Cow<'_, str>, &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]), &data[i + 1..]),
        None => (Cow::Borrowed(FALLBACK_TOPIC), data),
    }
}

/// Decodes one fuzz input over the demo city at [`NOW_MS`] and checks the result.
pub fn check_input(data: &[u8]) -> Result<Decoded, String> {
    let (topic, payload) = split_input(data);
    check_decode(demo_city(), &limits(), &topic, payload, NOW_MS)
}

/// Decodes one message and checks every invariant; says which one failed, and on what.
pub fn check_decode(
    city: &City,
    limits: &DecoderLimits,
    topic: &str,
    payload: &[u8],
    received_ms: i64,
) -> Result<Decoded, String> {
    let decoder = Decoder::new(city, limits);
    let d = decoder.decode(topic, payload, received_ms);
    check_decoded(city, limits, topic, payload, received_ms, &d).map_err(|why| {
        format!(
            "{why}\n  topic: {topic:?}\n  payload: {:?}\n  decoded: {d:#?}",
            String::from_utf8_lossy(payload)
        )
    })?;
    if decoder.decode(topic, payload, received_ms) != d {
        return Err(format!("decoding {topic:?} twice gave two results"));
    }
    Ok(d)
}

fn check_decoded(
    city: &City,
    limits: &DecoderLimits,
    topic: &str,
    payload: &[u8],
    received_ms: i64,
    d: &Decoded,
) -> Result<(), String> {
    check_accounting(limits, payload, d)?;
    if d.readings.is_empty() {
        return Ok(());
    }
    // Routing: every reading belongs to the topic's sensor, domain and district.
    let parts = parse_topic(&limits.topic_prefix, topic)
        .map_err(|why| format!("readings from a topic that does not parse: {why}"))?;
    let domain = city
        .domain_idx(parts.domain)
        .ok_or("readings from an unknown domain")?;
    let district = city
        .district_idx(parts.district)
        .ok_or("readings from an unknown district")?;
    let registered = city.sensor(parts.sensor);
    if d.domain != Some(domain) || d.sensor.as_deref() != Some(parts.sensor) {
        return Err("Decoded.domain or .sensor differs from the topic".into());
    }
    if registered.is_some_and(|s| s.domain != domain || s.district != district) {
        return Err("readings from a sensor published outside its registered place".into());
    }
    let most = limits.max_batch_readings.max(1) * city.domain(domain).metrics.len();
    if d.readings.len() > most {
        return Err(format!(
            "{} readings; at most {most} fit the limits",
            d.readings.len()
        ));
    }
    let place = Place {
        sensor: parts.sensor,
        domain,
        district,
        registered: registered.is_some(),
    };
    let latest = received_ms.saturating_add(limits.max_future_skew_ms);
    d.readings
        .iter()
        .try_for_each(|r| check_reading(city, &place, d, r, received_ms, latest))
}

/// Accounting: a message counted as rejected says why, and each reason keeps its shape.
fn check_accounting(limits: &DecoderLimits, payload: &[u8], d: &Decoded) -> Result<(), String> {
    if d.readings.is_empty() && d.rejections.is_empty() {
        return Err("no reading and no rejection: a rejected message without a reason".into());
    }
    for r in &d.rejections {
        if r.reason == Reason::TooManyUnregistered {
            return Err(
                "the decoder never rejects for too_many_unregistered (the worker does)".into(),
            );
        }
        if MESSAGE_REASONS.contains(&r.reason)
            && (d.rejections.len() != 1 || !d.readings.is_empty())
        {
            return Err(format!(
                "{} rejects the whole message, yet it is not alone",
                r.reason.as_str()
            ));
        }
        if FIELD_REASONS.contains(&r.reason) && r.field.is_none() {
            return Err(format!("{} names no field", r.reason.as_str()));
        }
        if r.detail.is_empty() || r.detail.len() > MAX_DETAIL_BYTES {
            return Err(format!("detail of {} bytes", r.detail.len()));
        }
        if r.field.as_ref().is_some_and(|f| f.len() > MAX_FIELD_BYTES) {
            return Err("field name not truncated".into());
        }
    }
    if d.domain.is_none() && !d.readings.is_empty() {
        return Err("readings without a routed domain".into());
    }
    if payload.len() > limits.max_payload_bytes && !d.readings.is_empty() {
        return Err("readings from an oversized payload".into());
    }
    Ok(())
}

/// Where the topic says a message's readings belong.
struct Place<'a> {
    sensor: &'a str,
    domain: DomainIdx,
    district: DistrictIdx,
    registered: bool,
}

/// One reading: routed as its topic, of one of the domain's metrics, in range, well timed.
fn check_reading(
    city: &City,
    place: &Place<'_>,
    d: &Decoded,
    r: &Reading,
    received_ms: i64,
    latest: i64,
) -> Result<(), String> {
    let first = &d.readings[0];
    if !std::sync::Arc::ptr_eq(&r.sensor, &first.sensor) || &*r.sensor != place.sensor {
        return Err("readings of one message do not share its sensor id".into());
    }
    if r.domain != place.domain || r.district != place.district || r.registered != place.registered
    {
        return Err(format!("reading {r:?} is not routed as its topic"));
    }
    let Some(metric) = city.metrics.get(usize::from(r.metric.0)) else {
        return Err(format!("metric index {} outside the city", r.metric.0));
    };
    if metric.domain != place.domain || !city.domain(place.domain).metrics.contains(&r.metric) {
        return Err(format!("metric {} is not one of the domain's", metric.name));
    }
    if !r.value.is_finite() || r.value < metric.min || r.value > metric.max {
        return Err(format!(
            "{} = {} outside {}..={}",
            metric.name, r.value, metric.min, metric.max
        ));
    }
    let timed = (MIN_VALID_TS_MS..=latest).contains(&r.ts_ms);
    if !(timed || r.ts_received && r.ts_ms == received_ms) {
        return Err(format!(
            "ts {} outside {MIN_VALID_TS_MS}..={latest}",
            r.ts_ms
        ));
    }
    Ok(())
}
