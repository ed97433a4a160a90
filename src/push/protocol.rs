//! The client's side of the protocol: parsing one text frame into a [`Request`]. Pure, and it
//! never panics on any input (property-tested): a bad message becomes a [`ProtocolError`],
//! which the connection answers with an error frame naming the problem.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Why a client message was refused. `code()` is the stable `code` of the error frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("message is not JSON: {0}")]
    InvalidJson(String),
    #[error("{0}")]
    InvalidMessage(String),
    #[error("unknown op {0:?}; expected auth, subscribe, unsubscribe or ping")]
    UnknownOp(String),
    #[error("authenticate first: send {{\"op\":\"auth\",\"token\":\"…\"}} or offer the `ioc.bearer.<token>` subprotocol")]
    Unauthenticated,
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("already authenticated; a connection keeps its first identity")]
    AlreadyAuthenticated,
    #[error("stream {stream:?} {why}")]
    Forbidden { stream: String, why: &'static str },
    #[error("stream {stream:?}: {why}")]
    InvalidStream { stream: String, why: String },
    #[error("unknown domain {domain:?}; known domains: {known}")]
    UnknownDomain { domain: String, known: String },
    #[error("unknown district {0:?}")]
    UnknownDistrict(String),
    #[error("unknown sensor {0:?}: it is neither registered nor ever seen")]
    UnknownSensor(String),
    #[error("at most {0} subscriptions per connection")]
    TooManySubscriptions(usize),
    #[error("too many subscribe requests; at most {0} per second")]
    RateLimited(u32),
    #[error("message of {size} bytes; at most {max}")]
    MessageTooLarge { size: usize, max: usize },
    #[error("binary frames are not part of the protocol; send JSON text")]
    BinaryNotSupported,
    #[error("fragmented messages are not supported; send each message in one frame")]
    FragmentedNotSupported,
    #[error("{0} WebSocket connections are open (push.max_connections); try again later")]
    TooManyConnections(usize),
}

impl ProtocolError {
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::InvalidJson(_) => "invalid_json",
            ProtocolError::InvalidMessage(_) => "invalid_message",
            ProtocolError::UnknownOp(_) => "unknown_op",
            ProtocolError::Unauthenticated => "unauthenticated",
            ProtocolError::AuthFailed(_) => "auth_failed",
            ProtocolError::AlreadyAuthenticated => "already_authenticated",
            ProtocolError::Forbidden { .. } => "forbidden",
            ProtocolError::InvalidStream { .. } => "invalid_stream",
            ProtocolError::UnknownDomain { .. } => "unknown_domain",
            ProtocolError::UnknownDistrict(_) => "unknown_district",
            ProtocolError::UnknownSensor(_) => "unknown_sensor",
            ProtocolError::TooManySubscriptions(_) => "too_many_subscriptions",
            ProtocolError::RateLimited(_) => "rate_limited",
            ProtocolError::MessageTooLarge { .. } => "message_too_large",
            ProtocolError::BinaryNotSupported => "binary_not_supported",
            ProtocolError::FragmentedNotSupported => "fragmented_not_supported",
            ProtocolError::TooManyConnections(_) => "too_many_connections",
        }
    }
}

/// A valid client request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Streams by name or pattern; `resume_from` maps a concrete stream to the last `seq` the
    /// client saw, valid only within `epoch` (the server's, from `hello`).
    Subscribe {
        id: Option<String>,
        streams: Vec<String>,
        resume_from: BTreeMap<String, u64>,
        epoch: Option<String>,
    },
    Unsubscribe {
        id: Option<String>,
        streams: Vec<String>,
    },
    Ping {
        id: Option<String>,
    },
    /// The credential of a connection that did not send one in its upgrade request.
    Auth {
        id: Option<String>,
        token: String,
    },
}

impl Request {
    pub fn id(&self) -> Option<&str> {
        match self {
            Request::Subscribe { id, .. }
            | Request::Unsubscribe { id, .. }
            | Request::Ping { id }
            | Request::Auth { id, .. } => id.as_deref(),
        }
    }
}

/// Longest `id` a client may attach (it is echoed back).
pub const MAX_ID_LEN: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    op: String,
    id: Option<String>,
    streams: Option<Vec<String>>,
    resume_from: Option<BTreeMap<String, u64>>,
    epoch: Option<String>,
    token: Option<String>,
}

/// Longest credential accepted in an auth message (a JWT with many claims fits).
pub const MAX_TOKEN_LEN: usize = 8192;

/// Parses one text message. `max_streams` bounds the `streams` list of one request.
pub fn parse(text: &str, max_streams: usize) -> Result<Request, ProtocolError> {
    let raw: Raw = serde_json::from_str(text).map_err(|e| {
        let msg = crate::model::truncate(&e.to_string(), 200);
        if e.is_data() {
            ProtocolError::InvalidMessage(msg)
        } else {
            ProtocolError::InvalidJson(msg)
        }
    })?;
    if raw.id.as_ref().is_some_and(|i| i.len() > MAX_ID_LEN) {
        return Err(ProtocolError::InvalidMessage(format!(
            "id longer than {MAX_ID_LEN} bytes"
        )));
    }
    if raw.op != "auth" {
        raw.refuse("token", raw.token.is_some())?;
    }
    match raw.op.as_str() {
        "auth" => raw.auth(),
        "subscribe" => raw.subscribe(max_streams),
        "unsubscribe" => {
            raw.refuse("resume_from", raw.resume_from.is_some())?;
            raw.refuse("epoch", raw.epoch.is_some())?;
            Ok(Request::Unsubscribe {
                streams: streams(raw.streams, max_streams)?,
                id: raw.id,
            })
        }
        "ping" => {
            raw.refuse("streams", raw.streams.is_some())?;
            raw.refuse("resume_from", raw.resume_from.is_some())?;
            raw.refuse("epoch", raw.epoch.is_some())?;
            Ok(Request::Ping { id: raw.id })
        }
        other => Err(ProtocolError::UnknownOp(crate::model::truncate(other, 32))),
    }
}

impl Raw {
    /// A field this op does not take.
    fn refuse(&self, field: &str, present: bool) -> Result<(), ProtocolError> {
        if !present {
            return Ok(());
        }
        Err(ProtocolError::InvalidMessage(format!(
            "`{field}` is not allowed with op {:?}",
            crate::model::truncate(&self.op, 32)
        )))
    }

    fn auth(self) -> Result<Request, ProtocolError> {
        self.refuse("streams", self.streams.is_some())?;
        self.refuse("resume_from", self.resume_from.is_some())?;
        self.refuse("epoch", self.epoch.is_some())?;
        let token = self
            .token
            .filter(|t| !t.trim().is_empty() && t.len() <= MAX_TOKEN_LEN)
            .ok_or_else(|| {
                ProtocolError::InvalidMessage(format!(
                    "`token` must be a non-empty API key or JWT of at most {MAX_TOKEN_LEN} bytes"
                ))
            })?;
        Ok(Request::Auth { id: self.id, token })
    }

    fn subscribe(self, max_streams: usize) -> Result<Request, ProtocolError> {
        let resume_from = self.resume_from.unwrap_or_default();
        if resume_from.len() > max_streams {
            return Err(ProtocolError::TooManySubscriptions(max_streams));
        }
        Ok(Request::Subscribe {
            id: self.id,
            streams: streams(self.streams, max_streams)?,
            resume_from,
            epoch: self.epoch,
        })
    }
}

/// A non-empty list of at most `max_streams` stream names or patterns.
fn streams(raw: Option<Vec<String>>, max_streams: usize) -> Result<Vec<String>, ProtocolError> {
    let s = raw.filter(|s| !s.is_empty()).ok_or_else(|| {
        ProtocolError::InvalidMessage(
            "`streams` must be a non-empty list of stream names or patterns".into(),
        )
    })?;
    if s.len() > max_streams {
        return Err(ProtocolError::TooManySubscriptions(max_streams));
    }
    Ok(s)
}
