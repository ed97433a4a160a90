//! The server's side of the protocol: every message the server sends, as JSON text. A data
//! frame is built once per update and shared (a [`ByteString`] clones by reference count) by
//! every subscriber.

use bytestring::ByteString;
use serde::Serialize;
use serde_json::json;

use super::protocol::ProtocolError;

/// Whether a data frame replaces the client's state (`snapshot`) or follows the previous one
/// (`update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    Snapshot,
    Update,
}

/// Why a snapshot was sent where the client could have expected updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resync {
    /// The connection's queue overflowed; updates were dropped for it.
    Lagged,
    /// `resume_from` named a `seq` no longer buffered (or newer than the stream's).
    ResumeGap,
    /// `resume_from` came from another server run (`epoch`).
    EpochChanged,
    /// The server's own source lagged (the alert change feed); state re-read.
    SourceLagged,
}

impl Resync {
    pub fn as_str(self) -> &'static str {
        match self {
            Resync::Lagged => "lagged",
            Resync::ResumeGap => "resume_gap",
            Resync::EpochChanged => "epoch_changed",
            Resync::SourceLagged => "source_lagged",
        }
    }
}

/// One data frame's header; `data` is already-serialised JSON.
pub struct Data<'a> {
    pub kind: DataKind,
    pub stream: &'a str,
    pub seq: u64,
    pub as_of: Option<i64>,
    pub sent_at: i64,
    pub resync: Option<Resync>,
    pub data: &'a str,
}

/// `{"type","stream","seq","as_of","sent_at",["resync",]"data"}`.
pub fn data(d: &Data<'_>) -> ByteString {
    let kind = match d.kind {
        DataKind::Snapshot => "snapshot",
        DataKind::Update => "update",
    };
    // Stream names are validated to a safe alphabet, but escape anyway.
    let stream = serde_json::Value::from(d.stream).to_string();
    let as_of = d.as_of.map_or_else(|| "null".to_owned(), |t| t.to_string());
    let resync = d
        .resync
        .map_or_else(String::new, |r| format!(r#","resync":"{}""#, r.as_str()));
    ByteString::from(format!(
        r#"{{"type":"{kind}","stream":{stream},"seq":{},"as_of":{as_of},"sent_at":{}{resync},"data":{}}}"#,
        d.seq, d.sent_at, d.data
    ))
}

fn text(v: serde_json::Value) -> ByteString {
    ByteString::from(v.to_string())
}

#[derive(Serialize)]
pub struct Limits {
    pub max_subscriptions: usize,
    pub max_message_bytes: usize,
    pub subscribe_per_s: u32,
    pub min_interval_ms: u64,
    pub resume_buffer: usize,
}

/// First message on every connection: the server's `epoch` (resume only within it).
pub fn hello(epoch: &str, limits: &Limits, sent_at: i64) -> ByteString {
    text(json!({"type": "hello", "epoch": epoch, "sent_at": sent_at, "limits": limits}))
}

/// Answers a subscribe or unsubscribe: the concrete streams it applied to.
pub fn ack(kind: &str, id: Option<&str>, streams: &[&str], sent_at: i64) -> ByteString {
    text(json!({"type": kind, "id": id, "streams": streams, "sent_at": sent_at}))
}

pub fn pong(id: Option<&str>, sent_at: i64) -> ByteString {
    text(json!({"type": "pong", "id": id, "sent_at": sent_at}))
}

/// An `auth` message was accepted: who the connection now is.
pub fn authenticated(id: Option<&str>, p: &crate::auth::Principal, sent_at: i64) -> ByteString {
    text(json!({
        "type": "authenticated",
        "id": id,
        "principal": p.id,
        "role": p.role,
        "scope": p.scope.to_string(),
        "sent_at": sent_at,
    }))
}

/// The connection fell behind on these streams; a resync snapshot of each follows.
pub fn lagged(streams: &[&str], sent_at: i64) -> ByteString {
    text(json!({"type": "lagged", "streams": streams, "sent_at": sent_at}))
}

pub fn error(id: Option<&str>, e: &ProtocolError, sent_at: i64) -> ByteString {
    text(
        json!({"type": "error", "id": id, "code": e.code(), "message": e.to_string(), "sent_at": sent_at}),
    )
}
