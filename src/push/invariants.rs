//! What [`parse`] keeps for any client text. One place for the checks run by the fuzz target
//! `fuzz/fuzz_targets/ws_message.rs` and by the property tests in `fuzz_tests.rs`; public
//! (and hidden) only so the fuzz crate can call it. Not an API.
//!
//! The checks name no op: a request is looked at through [`Request::id`] and, where it is a
//! subscribe or an unsubscribe, its streams, so a new op needs no change here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::protocol::{parse, ProtocolError, Request, MAX_ID_LEN};

/// Every text is parsed under each of these `max_streams` (256 is the default of
/// `push.max_subscriptions`).
pub const STREAM_LIMITS: [usize; 4] = [0, 1, 3, 256];

/// Longest error message (bytes): it goes back to the client in an error frame, and untrusted
/// text in it is truncated.
pub const MAX_ERROR_BYTES: usize = 512;

/// Parses `text` under every limit of [`STREAM_LIMITS`] and checks each result.
pub fn check_text(text: &str) -> Result<(), String> {
    for max in STREAM_LIMITS {
        check_parse(text, max)
            .map_err(|why| format!("{why}\n  max_streams: {max}\n  text: {text:?}"))?;
    }
    Ok(())
}

/// Parses `text` with `max_streams` and checks the result; says which invariant failed.
pub fn check_parse(text: &str, max_streams: usize) -> Result<(), String> {
    let parsed = parse(text, max_streams);
    if parse(text, max_streams) != parsed {
        return Err("parsing twice gave two results".into());
    }
    match parsed {
        Ok(request) => check_request(text, max_streams, &request),
        Err(e) => check_error(max_streams, &e),
    }
}

fn check_request(text: &str, max_streams: usize, request: &Request) -> Result<(), String> {
    if request.id().is_some_and(|id| id.len() > MAX_ID_LEN) {
        return Err(format!("accepted an id longer than {MAX_ID_LEN} bytes"));
    }
    // A request is the text's JSON object: the same id, streams and resume points.
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) else {
        return Err("accepted text that is not a JSON object".into());
    };
    if !obj.get("op").is_some_and(Value::is_string) {
        return Err("accepted a message without a string op".into());
    }
    if obj.get("id").and_then(Value::as_str) != request.id() {
        return Err(format!("id {:?} is not the message's", request.id()));
    }
    let listed = |key: &str| obj.get(key).and_then(Value::as_array).map(Vec::as_slice);
    let mut streams = None;
    if let Request::Subscribe {
        streams: s,
        resume_from,
        epoch,
        ..
    } = request
    {
        streams = Some(s);
        if resume_from.len() > max_streams {
            return Err(format!(
                "{} resume points; at most {max_streams}",
                resume_from.len()
            ));
        }
        // Compared as sorted maps: serde_json may keep the text's key order.
        let from: Option<BTreeMap<&str, u64>> = match obj.get("resume_from") {
            None | Some(Value::Null) => Some(BTreeMap::new()),
            Some(v) => v.as_object().map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str(), v.as_u64()?)))
                    .collect()
            }),
        };
        let got: BTreeMap<&str, u64> = resume_from.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        if from.as_ref() != Some(&got) {
            return Err("resume_from is not the message's".into());
        }
        if obj.get("epoch").and_then(Value::as_str) != epoch.as_deref() {
            return Err("epoch is not the message's".into());
        }
    }
    if let Request::Unsubscribe { streams: s, .. } = request {
        streams = Some(s);
    }
    if let Some(s) = streams {
        if s.is_empty() || s.len() > max_streams {
            return Err(format!("{} streams; 1 to {max_streams} allowed", s.len()));
        }
        let given: Option<Vec<&str>> =
            listed("streams").map(|l| l.iter().filter_map(Value::as_str).collect());
        if given != Some(s.iter().map(String::as_str).collect()) {
            return Err("streams are not the message's".into());
        }
    }
    // A request accepted under a limit is accepted, the same, under any larger one.
    if parse(text, usize::MAX).as_ref() != Ok(request) {
        return Err("a larger max_streams changed an accepted request".into());
    }
    Ok(())
}

fn check_error(max_streams: usize, e: &ProtocolError) -> Result<(), String> {
    let code = e.code();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(format!("error code {code:?} is not snake_case"));
    }
    let message = e.to_string();
    if message.is_empty() || message.len() > MAX_ERROR_BYTES {
        return Err(format!("error message of {} bytes ({code})", message.len()));
    }
    if let ProtocolError::TooManySubscriptions(n) = e {
        if *n != max_streams {
            return Err(format!(
                "too_many_subscriptions names {n}, not the limit {max_streams}"
            ));
        }
    }
    Ok(())
}
