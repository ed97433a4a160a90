//! The JSONL line format shared by recordings, dry runs and replays:
//!
//! ```text
//! {"at_ms":1763880000123,"topic":"city/traffic/hai-chau/tl-0042","payload":"{\"ts\":…}"}
//! ```
//!
//! `at_ms` is the receive time (recordings) or the simulated send time (dry runs); replay
//! keeps the gaps between lines. The payload is kept as text when it is UTF-8, else as
//! `payload_b64` (standard base64), so every payload round-trips byte for byte. Dry runs add
//! `faults`, the faults injected into the message; replay ignores it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::faults::FaultSet;

#[derive(Serialize)]
struct LineOut<'a> {
    at_ms: i64,
    topic: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_b64: Option<String>,
    #[serde(skip_serializing_if = "FaultSet::is_empty")]
    faults: FaultSet,
}

#[derive(Deserialize)]
struct LineIn {
    at_ms: i64,
    topic: String,
    payload: Option<String>,
    payload_b64: Option<String>,
}

/// One decoded line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at_ms: i64,
    pub topic: String,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("line {line}: not a recording line ({message}); expected {{\"at_ms\", \"topic\", \"payload\" or \"payload_b64\"}}")]
    Shape { line: usize, message: String },
    #[error("line {line}: payload_b64 is not base64: {message}")]
    Base64 { line: usize, message: String },
    #[error("line {line}: has neither payload nor payload_b64")]
    NoPayload { line: usize },
}

/// One line, without the newline.
pub fn encode(at_ms: i64, topic: &str, payload: &[u8], faults: FaultSet) -> String {
    let text = std::str::from_utf8(payload).ok();
    let line = LineOut {
        at_ms,
        topic,
        payload: text,
        payload_b64: text.is_none().then(|| STANDARD.encode(payload)),
        faults,
    };
    // Serializing a struct of strings and integers cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// Decodes line number `line` (1-based, for messages).
pub fn decode(text: &str, line: usize) -> Result<Entry, JsonlError> {
    let l: LineIn = serde_json::from_str(text).map_err(|e| JsonlError::Shape {
        line,
        message: e.to_string(),
    })?;
    let payload = match (l.payload, l.payload_b64) {
        (Some(p), _) => p.into_bytes(),
        (None, Some(b)) => STANDARD.decode(b).map_err(|e| JsonlError::Base64 {
            line,
            message: e.to_string(),
        })?,
        (None, None) => return Err(JsonlError::NoPayload { line }),
    };
    Ok(Entry {
        at_ms: l.at_ms,
        topic: l.topic,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_payloads_round_trip_byte_for_byte() {
        for payload in [
            &b"{\"ts\":1,\"pm25\":3.5}"[..],
            &[0xff, 0xfe, b'{'][..],
            b" ",
        ] {
            let line = encode(42, "city/x/y/z", payload, FaultSet::default());
            let e = decode(&line, 1).expect("decodes");
            assert_eq!(
                (e.at_ms, e.topic.as_str(), e.payload.as_slice()),
                (42, "city/x/y/z", payload)
            );
        }
    }

    #[test]
    fn a_line_that_is_not_a_recording_names_its_number() {
        let err = decode("{\"topic\":\"a\"}", 7).unwrap_err().to_string();
        assert!(err.starts_with("line 7"), "{err}");
    }
}
