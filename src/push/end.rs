//! Why a connection ended: the `reason` label of dropped clients and the close frame sent.

use actix_ws::{CloseCode, CloseReason};

use super::gate::Refusal;

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    ClientClosed,
    Shutdown,
    SendTimeout,
    Heartbeat,
    BadMessages,
    FrameTooLarge,
    /// More than `push.pending_max_bytes` before authenticating.
    PendingBytes,
    /// Authenticated, but every seat of `push.max_connections` was taken.
    Full,
    Unauthenticated,
    Revoked,
}

impl End {
    /// The `reason` label when the server dropped the client.
    pub(super) fn dropped(self) -> Option<&'static str> {
        match self {
            End::SendTimeout => Some("send_timeout"),
            End::Heartbeat => Some("heartbeat_timeout"),
            End::BadMessages => Some("bad_messages"),
            End::FrameTooLarge => Some("frame_too_large"),
            End::PendingBytes => Some("pending_bytes"),
            End::Full => Some("too_many_connections"),
            End::Unauthenticated => Some("unauthenticated"),
            End::Revoked => Some("credential_revoked"),
            End::ClientClosed | End::Shutdown => None,
        }
    }

    pub(super) fn close(self) -> Option<CloseReason> {
        let (code, why) = match self {
            End::ClientClosed => return None,
            End::Shutdown => (CloseCode::Away, "server shutting down"),
            End::SendTimeout => (CloseCode::Policy, "not reading"),
            End::Heartbeat => (CloseCode::Policy, "no pong"),
            End::BadMessages => (CloseCode::Policy, "too many bad messages"),
            End::FrameTooLarge => (CloseCode::Size, "frame too large"),
            End::PendingBytes => (CloseCode::Policy, "too much sent before authenticating"),
            End::Full => (CloseCode::Again, "too many connections; try again later"),
            End::Unauthenticated => (CloseCode::Policy, "authentication required"),
            End::Revoked => (CloseCode::Policy, "credential revoked or expired"),
        };
        Some(CloseReason {
            code,
            description: Some(why.to_owned()),
        })
    }
}

impl From<Refusal> for End {
    fn from(r: Refusal) -> End {
        match r {
            Refusal::FrameTooLarge => End::FrameTooLarge,
            Refusal::PendingBytes => End::PendingBytes,
        }
    }
}
