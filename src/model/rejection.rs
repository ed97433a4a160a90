//! Why part or all of a message was not accepted. The set of reasons is closed, so it can
//! label metrics.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The topic is not `{prefix}/{domain}/{district}/{sensor}`.
    BadTopic,
    UnknownDomain,
    UnknownDistrict,
    /// A registered sensor published under another domain or district than the registry says.
    SensorMismatch,
    PayloadTooLarge,
    EmptyPayload,
    InvalidUtf8,
    MalformedJson,
    /// Valid JSON, but not an object, an array of objects, or SenML.
    InvalidShape,
    BatchTooLarge,
    BadTimestamp,
    TimestampInFuture,
    BadSeq,
    UnknownMetric,
    NonNumericValue,
    OutOfRange,
    NoValidMetric,
    TooManyUnregistered,
}

impl Reason {
    pub const ALL: [Reason; 18] = [
        Reason::BadTopic,
        Reason::UnknownDomain,
        Reason::UnknownDistrict,
        Reason::SensorMismatch,
        Reason::PayloadTooLarge,
        Reason::EmptyPayload,
        Reason::InvalidUtf8,
        Reason::MalformedJson,
        Reason::InvalidShape,
        Reason::BatchTooLarge,
        Reason::BadTimestamp,
        Reason::TimestampInFuture,
        Reason::BadSeq,
        Reason::UnknownMetric,
        Reason::NonNumericValue,
        Reason::OutOfRange,
        Reason::NoValidMetric,
        Reason::TooManyUnregistered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadTopic => "bad_topic",
            Reason::UnknownDomain => "unknown_domain",
            Reason::UnknownDistrict => "unknown_district",
            Reason::SensorMismatch => "sensor_mismatch",
            Reason::PayloadTooLarge => "payload_too_large",
            Reason::EmptyPayload => "empty_payload",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::MalformedJson => "malformed_json",
            Reason::InvalidShape => "invalid_shape",
            Reason::BatchTooLarge => "batch_too_large",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::TimestampInFuture => "timestamp_in_future",
            Reason::BadSeq => "bad_seq",
            Reason::UnknownMetric => "unknown_metric",
            Reason::NonNumericValue => "non_numeric_value",
            Reason::OutOfRange => "out_of_range",
            Reason::NoValidMetric => "no_valid_metric",
            Reason::TooManyUnregistered => "too_many_unregistered",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A rejection of a whole message, one record of a batch, or one field of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub reason: Reason,
    /// The offending field, when one field was rejected and the rest of its record kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was wrong, in words a sensor integrator can act on.
    pub detail: String,
}

impl Rejection {
    pub fn whole(reason: Reason, detail: impl Into<String>) -> Self {
        Rejection {
            reason,
            field: None,
            detail: detail.into(),
        }
    }

    pub fn field(reason: Reason, field: &str, detail: impl Into<String>) -> Self {
        Rejection {
            reason,
            field: Some(truncate(field, 64)),
            detail: detail.into(),
        }
    }
}

/// Shortens untrusted text quoted back in rejections, on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
