//! Payload decoding and validation: one MQTT message in, readings and rejections out.
//!
//! Partial success is the rule: a bad field is rejected with its reason and the rest of its
//! record is kept; a bad record of a batch is rejected and the other records kept. Nothing in
//! here panics on any input (see the property test in `tests.rs`).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::rejection::truncate;
use super::senml;
use super::timestamp::parse_ts;
use super::{
    parse_topic, City, DistrictIdx, DomainIdx, Reading, Reason, Rejection, MIN_VALID_TS_MS,
};

/// Bounds on what one message may carry.
#[derive(Debug, Clone)]
pub struct DecoderLimits {
    pub topic_prefix: String,
    pub max_payload_bytes: usize,
    pub max_batch_readings: usize,
    pub max_future_skew_ms: i64,
}

/// The result of decoding one message.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Decoded {
    /// The domain named by the topic, when the topic routed; labels the message in metrics.
    pub domain: Option<DomainIdx>,
    /// The district named by the topic, when it is in the registry.
    pub district: Option<DistrictIdx>,
    /// The sensor id from the topic, when the topic parsed.
    pub sensor: Option<Arc<str>>,
    pub readings: Vec<Reading>,
    pub rejections: Vec<Rejection>,
}

/// How a message fared as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Partial,
    Rejected,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Accepted, Outcome::Partial, Outcome::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Partial => "partial",
            Outcome::Rejected => "rejected",
        }
    }
}

impl Decoded {
    fn rejected(domain: Option<DomainIdx>, sensor: Option<Arc<str>>, r: Rejection) -> Self {
        Decoded {
            domain,
            district: None,
            sensor,
            readings: Vec::new(),
            rejections: vec![r],
        }
    }

    pub fn outcome(&self) -> Outcome {
        match (self.readings.is_empty(), self.rejections.is_empty()) {
            (false, true) => Outcome::Accepted,
            (false, false) => Outcome::Partial,
            (true, _) => Outcome::Rejected,
        }
    }
}

/// Where a record's readings go: resolved once from the topic, shared by every record.
pub(super) struct Target<'c> {
    pub city: &'c City,
    pub sensor: Arc<str>,
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    pub received_ms: i64,
    pub max_future_skew_ms: i64,
}

pub struct Decoder<'c> {
    city: &'c City,
    limits: &'c DecoderLimits,
}

impl<'c> Decoder<'c> {
    pub fn new(city: &'c City, limits: &'c DecoderLimits) -> Self {
        Decoder { city, limits }
    }

    /// Decodes one message received at `received_ms` (unix ms).
    pub fn decode(&self, topic: &str, payload: &[u8], received_ms: i64) -> Decoded {
        let parts = match parse_topic(&self.limits.topic_prefix, topic) {
            Ok(p) => p,
            Err(why) => {
                return Decoded::rejected(None, None, Rejection::whole(Reason::BadTopic, why))
            }
        };
        let sensor: Arc<str> = Arc::from(parts.sensor);
        let Some(domain) = self.city.domain_idx(parts.domain) else {
            let why = format!(
                "domain {:?} is not one of: {}",
                parts.domain,
                self.city.domain_names()
            );
            return Decoded::rejected(
                None,
                Some(sensor),
                Rejection::whole(Reason::UnknownDomain, why),
            );
        };
        let Some(district) = self.city.district_idx(parts.district) else {
            let why = format!("district {:?} is not in the city registry", parts.district);
            return Decoded::rejected(
                Some(domain),
                Some(sensor),
                Rejection::whole(Reason::UnknownDistrict, why),
            );
        };
        let (sensor, registered) = match self.city.sensor(parts.sensor) {
            Some(s) if s.domain != domain || s.district != district => {
                let why = format!(
                    "sensor {:?} is registered under {}/{}, not {}/{}",
                    parts.sensor,
                    self.city.domain(s.domain).name,
                    self.city.district(s.district).id,
                    parts.domain,
                    parts.district
                );
                return Decoded {
                    district: Some(district),
                    ..Decoded::rejected(
                        Some(domain),
                        Some(sensor),
                        Rejection::whole(Reason::SensorMismatch, why),
                    )
                };
            }
            Some(s) => (s.id.clone(), true),
            None => (sensor, false),
        };
        let target = Target {
            city: self.city,
            sensor,
            registered,
            domain,
            district,
            received_ms,
            max_future_skew_ms: self.limits.max_future_skew_ms,
        };
        let mut out = Decoded {
            domain: Some(domain),
            district: Some(district),
            sensor: Some(target.sensor.clone()),
            ..Decoded::default()
        };
        if let Err(r) = self.decode_payload(&target, payload, &mut out) {
            out.rejections.push(r);
        }
        out
    }

    fn decode_payload(
        &self,
        t: &Target,
        payload: &[u8],
        out: &mut Decoded,
    ) -> Result<(), Rejection> {
        if payload.len() > self.limits.max_payload_bytes {
            return Err(Rejection::whole(
                Reason::PayloadTooLarge,
                format!(
                    "payload is {} bytes; the limit is {}",
                    payload.len(),
                    self.limits.max_payload_bytes
                ),
            ));
        }
        if payload.iter().all(u8::is_ascii_whitespace) {
            return Err(Rejection::whole(Reason::EmptyPayload, "payload is empty"));
        }
        let text = std::str::from_utf8(payload).map_err(|e| {
            Rejection::whole(
                Reason::InvalidUtf8,
                format!(
                    "payload is not UTF-8: invalid byte at offset {}",
                    e.valid_up_to()
                ),
            )
        })?;
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Rejection::whole(Reason::MalformedJson, format!("payload is not JSON: {e}"))
        })?;
        match value {
            Value::Object(obj) => {
                decode_record(t, &obj, out);
                Ok(())
            }
            Value::Array(items) if items.is_empty() => Err(Rejection::whole(
                Reason::EmptyPayload,
                "payload is an empty array",
            )),
            Value::Array(items) if items.len() > self.limits.max_batch_readings => {
                Err(Rejection::whole(
                    Reason::BatchTooLarge,
                    format!(
                        "batch has {} entries; the limit is {}",
                        items.len(),
                        self.limits.max_batch_readings
                    ),
                ))
            }
            Value::Array(items) if senml::looks_like_senml(&items) => {
                senml::decode_pack(t, &items, out);
                Ok(())
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(obj) => decode_record(t, obj, out),
                        other => out.rejections.push(Rejection::whole(
                            Reason::InvalidShape,
                            format!("batch entry {i} is {}, expected an object", kind(other)),
                        )),
                    }
                }
                Ok(())
            }
            other => Err(Rejection::whole(
                Reason::InvalidShape,
                format!(
                    "payload is {}; expected a JSON object, an array of objects, or SenML",
                    kind(&other)
                ),
            )),
        }
    }
}

/// Decodes one `{"ts": …, "seq": …, "<metric>": <number>, …}` record.
fn decode_record(t: &Target, obj: &Map<String, Value>, out: &mut Decoded) {
    let ts_received = !obj.contains_key("ts");
    let ts_ms = match obj.get("ts") {
        None => t.received_ms,
        Some(v) => match parse_ts(v).and_then(|ts| check_ts(t, ts)) {
            Ok(ts) => ts,
            Err(r) => return out.rejections.push(r),
        },
    };
    let seq = match obj.get("seq") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(s) => Some(s),
            None => {
                out.rejections.push(Rejection::field(
                    Reason::BadSeq,
                    "seq",
                    format!("seq must be a non-negative integer, got {}", short(v)),
                ));
                None
            }
        },
    };
    let mut metric_fields = 0;
    for (name, v) in obj {
        if name == "ts" || name == "seq" {
            continue;
        }
        metric_fields += 1;
        match check_metric(t, name, v.as_f64().filter(|_| v.is_number()), || short(v)) {
            Ok(reading) => out.readings.push(Reading {
                ts_ms,
                ts_received,
                seq,
                ..reading
            }),
            Err(r) => out.rejections.push(r),
        }
    }
    if metric_fields == 0 {
        out.rejections.push(Rejection::whole(
            Reason::NoValidMetric,
            "record has no metric fields",
        ));
    }
}

/// Validates one metric value against the domain schema; `shown` renders a bad value.
pub(super) fn check_metric(
    t: &Target,
    name: &str,
    value: Option<f64>,
    shown: impl FnOnce() -> String,
) -> Result<Reading, Rejection> {
    let Some(metric) = t.city.metric_idx(t.domain, name) else {
        let domain = &t.city.domain(t.domain).name;
        return Err(Rejection::field(
            Reason::UnknownMetric,
            name,
            format!("{domain} has no metric {:?}", truncate(name, 64)),
        ));
    };
    let Some(value) = value.filter(|v| v.is_finite()) else {
        return Err(Rejection::field(
            Reason::NonNumericValue,
            name,
            format!("{name} must be a number, got {}", shown()),
        ));
    };
    let m = t.city.metric(metric);
    if !(m.min..=m.max).contains(&value) {
        return Err(Rejection::field(
            Reason::OutOfRange,
            name,
            format!(
                "{name} = {value} is outside {}..={} {}",
                m.min, m.max, m.unit
            ),
        ));
    }
    Ok(Reading {
        sensor: t.sensor.clone(),
        registered: t.registered,
        domain: t.domain,
        district: t.district,
        metric,
        ts_ms: 0,
        ts_received: false,
        seq: None,
        value,
    })
}

/// Rejects timestamps before 2000 (usually seconds sent as ms) or too far in the future.
pub(super) fn check_ts(t: &Target, ts: i64) -> Result<i64, Rejection> {
    if ts < MIN_VALID_TS_MS {
        return Err(Rejection::whole(
            Reason::BadTimestamp,
            format!(
                "ts {ts} is before 2000-01-01; ts is unix milliseconds (was it sent in seconds?)"
            ),
        ));
    }
    let skew = ts.saturating_sub(t.received_ms);
    if skew > t.max_future_skew_ms {
        return Err(Rejection::whole(
            Reason::TimestampInFuture,
            format!(
                "ts {ts} is {} s ahead of the server clock; at most {} s allowed",
                skew / 1000,
                t.max_future_skew_ms / 1000
            ),
        ));
    }
    Ok(ts)
}

pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", truncate(s, 40)),
        Value::Array(_) | Value::Object(_) => kind(v).to_owned(),
        other => truncate(&other.to_string(), 40),
    }
}
