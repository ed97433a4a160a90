//! One WebSocket connection's task: answers requests, drains its [`Mailbox`], keeps the
//! heartbeat. It runs on the actix worker that accepted the connection (actix-ws's message
//! stream is not `Send`).
//!
//! Every send waits at most `push.send_timeout_ms` (actix-ws's own outgoing channel is bounded,
//! so a client that stops reading makes sends wait, and the mailbox behind them overflows into
//! lag and resync rather than growing); a client silent (no pong, no message) for
//! `push.client_timeout_ms` is closed.

mod subscribe;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{Item, Message, MessageStream, Session};
use bytestring::ByteString;

use super::access::Authn;
use super::end::End;
use super::fragment::{fragments, FRAGMENT_BYTES};
use super::frame;
use super::gate::GateState;
use super::mailbox::Mailbox;
use super::protocol::{self, ProtocolError, Request};
use super::rate::Bucket;
use super::stream::{self, StreamName};
use super::{Push, Slot};
use crate::shell::now_ms;

/// Frames larger than this close the connection (1009), refused on their declared length by
/// `gate.rs` before their payload is read; below it, a message over `push.max_message_bytes`
/// gets an error frame instead.
pub const HARD_FRAME_LIMIT: usize = 64 * 1024;

/// Frames taken from the mailbox per send burst.
const BATCH: usize = 64;

struct Conn {
    push: Arc<Push>,
    id: u64,
    /// Pending until authenticated, then a seat of `push.max_connections`.
    slot: Slot,
    /// Shared with the body's frame gate: lifts the pending limits once authenticated.
    gate: Arc<GateState>,
    session: Session,
    mailbox: Arc<Mailbox>,
    subs: BTreeMap<Arc<str>, StreamName>,
    subscribes: Bucket,
    bad: Bucket,
    authn: Authn,
}

/// Runs one connection until the client leaves, misbehaves, or the server shuts down.
/// `gate` is the state shared with the [`super::GatedPayload`] that `msgs` reads through.
pub async fn serve_connection(
    slot: Slot,
    session: Session,
    msgs: MessageStream,
    authn: Authn,
    gate: Arc<GateState>,
) {
    let (push, id) = match &slot {
        Slot::Pending(p) => (p.push.clone(), p.id),
        Slot::Admitted(a) => (a.push.clone(), a.id),
    };
    let cfg = &push.config;
    let metrics = push.hub.metrics().clone();
    let now = Instant::now();
    let mut conn = Conn {
        mailbox: Arc::new(Mailbox::new(
            id,
            cfg.queue_frames,
            metrics.queue_frames.clone(),
        )),
        push: push.clone(),
        id,
        slot,
        gate,
        session,
        subs: BTreeMap::new(),
        subscribes: Bucket::new(cfg.subscribe_burst, f64::from(cfg.subscribe_per_s), now),
        bad: Bucket::new(cfg.max_bad_messages, 1.0, now),
        authn,
    };
    let auth_deadline = tokio::time::sleep(cfg.auth_timeout());
    tokio::pin!(auth_deadline);
    let mut msgs = msgs.max_frame_size(HARD_FRAME_LIMIT);
    let mut heartbeat = tokio::time::interval(cfg.ping_interval().min(cfg.client_timeout()));
    let mut last_heard = Instant::now();
    let end = match conn.send_control(conn.hello()).await {
        Err(e) => e,
        Ok(()) => loop {
            let step = tokio::select! {
                _ = push.shutdown.cancelled() => Err(End::Shutdown),
                m = msgs.recv() => {
                    last_heard = Instant::now();
                    match m {
                        None => Err(End::ClientClosed),
                        Some(Err(actix_ws::ProtocolError::Overflow)) => Err(End::FrameTooLarge),
                        // When the gate ended the body, it says why.
                        Some(Err(_)) => Err(conn.gate.refused().map_or(End::BadMessages, End::from)),
                        Some(Ok(m)) => conn.on_message(m).await,
                    }
                }
                _ = &mut auth_deadline, if conn.authn.principal.is_none() => {
                    Err(End::Unauthenticated)
                }
                _ = conn.mailbox.wait() => conn.drain().await,
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > cfg.client_timeout() {
                        Err(End::Heartbeat)
                    } else if !conn.authn.still_valid().await {
                        Err(End::Revoked)
                    } else {
                        conn.send(Out::Ping).await
                    }
                }
            };
            if let Err(end) = step {
                break end;
            }
        },
    };
    conn.close(end).await;
}

/// What the connection writes.
enum Out {
    Text(ByteString),
    Ping,
    Pong(bytes::Bytes),
}

/// Sends one text message, in fragments when it is large (`fragment.rs`). Only this task
/// sends on the session, so nothing else can come between the fragments of one message.
async fn send_text(s: &mut Session, t: ByteString) -> Result<(), actix_ws::Closed> {
    if t.len() <= FRAGMENT_BYTES {
        return s.text(t).await;
    }
    let pieces = fragments(&t.into_bytes());
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.into_iter().enumerate() {
        let item = match i {
            0 => Item::FirstText(piece),
            _ if i == last => Item::Last(piece),
            _ => Item::Continue(piece),
        };
        s.continuation(item).await?;
        // Lets the connection's body stream (on this worker) encode this fragment before the
        // next is queued: actix-ws joins whatever waits in its channel into one chunk.
        tokio::task::yield_now().await;
    }
    Ok(())
}

impl Conn {
    /// Counts why it ended, leaves every stream, and closes with the matching code.
    async fn close(mut self, end: End) {
        let metrics = self.push.hub.metrics().clone();
        if let Some(reason) = end.dropped() {
            metrics.dropped.with_label_values(&[reason]).inc();
            tracing::debug!(conn = self.id, reason, "push client dropped");
        }
        for (name, s) in std::mem::take(&mut self.subs) {
            self.push.hub.unsubscribe(&name, &self.mailbox);
            let kind = s.kind.as_str();
            metrics.subscriptions.with_label_values(&[kind]).dec();
        }
        let close = self.session.clone().close(end.close());
        let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
    }

    fn hello(&self) -> ByteString {
        let c = &self.push.config;
        let limits = frame::Limits {
            max_subscriptions: c.max_subscriptions,
            max_message_bytes: c.max_message_bytes,
            subscribe_per_s: c.subscribe_per_s,
            min_interval_ms: c.min_interval_ms,
            resume_buffer: c.resume_buffer,
        };
        frame::hello(self.push.hub.epoch(), &limits, now_ms())
    }

    /// One send, bounded by `push.send_timeout_ms`.
    async fn send(&mut self, out: Out) -> Result<(), End> {
        let timeout = self.push.config.send_timeout();
        let s = &mut self.session;
        let sent = tokio::time::timeout(timeout, async move {
            match out {
                Out::Text(t) => send_text(s, t).await,
                Out::Ping => s.ping(b"").await,
                Out::Pong(p) => s.pong(&p).await,
            }
        });
        match sent.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::ClientClosed),
            Err(_) => Err(End::SendTimeout),
        }
    }

    async fn send_frame(&mut self, kind: &str, f: ByteString) -> Result<(), End> {
        let m = self.push.hub.metrics();
        m.messages.with_label_values(&[kind]).inc();
        m.bytes.inc_by(f.len() as u64);
        self.send(Out::Text(f)).await
    }

    async fn send_control(&mut self, f: ByteString) -> Result<(), End> {
        self.send_frame("control", f).await
    }

    async fn on_message(&mut self, m: Message) -> Result<(), End> {
        match m {
            Message::Text(t) => {
                let max = self.push.config.max_message_bytes;
                if t.len() > max {
                    let e = ProtocolError::MessageTooLarge { size: t.len(), max };
                    return self.reject(None, e).await;
                }
                let max_streams = self.push.config.max_subscriptions;
                match protocol::parse(&t, max_streams) {
                    Ok(req) => self.on_request(req).await,
                    Err(e) => self.reject(None, e).await,
                }
            }
            Message::Binary(_) => self.reject(None, ProtocolError::BinaryNotSupported).await,
            Message::Continuation(_) => {
                self.reject(None, ProtocolError::FragmentedNotSupported)
                    .await
            }
            Message::Ping(p) => self.send(Out::Pong(p)).await,
            Message::Pong(_) | Message::Nop => Ok(()),
            Message::Close(_) => Err(End::ClientClosed),
        }
    }

    /// Answers a bad message with an error frame; too many of them close the connection.
    async fn reject(&mut self, id: Option<&str>, e: ProtocolError) -> Result<(), End> {
        let m = self.push.hub.metrics();
        m.client_errors.with_label_values(&[e.code()]).inc();
        self.send_control(frame::error(id, &e, now_ms())).await?;
        if self.bad.take(Instant::now()) {
            Ok(())
        } else {
            Err(End::BadMessages)
        }
    }

    async fn on_request(&mut self, req: Request) -> Result<(), End> {
        let id = req.id().map(str::to_owned);
        if self.authn.principal.is_none()
            && !matches!(req, Request::Auth { .. } | Request::Ping { .. })
        {
            self.reject(id.as_deref(), ProtocolError::Unauthenticated)
                .await?;
            return Err(End::Unauthenticated);
        }
        let result = match req {
            Request::Auth { token, .. } => return self.authenticate(id.as_deref(), &token).await,
            Request::Ping { .. } => Ok(vec![("control", frame::pong(id.as_deref(), now_ms()))]),
            Request::Subscribe {
                streams,
                resume_from,
                epoch,
                ..
            } => self.subscribe(id.as_deref(), &streams, &resume_from, epoch.as_deref()),
            Request::Unsubscribe { streams, .. } => self.unsubscribe(id.as_deref(), &streams),
        };
        match result {
            Ok(frames) => {
                for (kind, f) in frames {
                    self.send_frame(kind, f).await?;
                }
                Ok(())
            }
            Err(e) => self.reject(id.as_deref(), e).await,
        }
    }

    /// Verifies an `auth` message; a bad credential is answered and the connection closed.
    async fn authenticate(&mut self, id: Option<&str>, token: &str) -> Result<(), End> {
        if self.authn.principal.is_some() {
            return self.reject(id, ProtocolError::AlreadyAuthenticated).await;
        }
        let checked = self.authn.auth.check(token).await;
        match checked {
            Ok(p) => {
                if !self.slot.take_seat() {
                    let e = ProtocolError::TooManyConnections(self.push.max_connections());
                    self.reject(id, e).await?;
                    return Err(End::Full);
                }
                self.gate.authenticate();
                let f = frame::authenticated(id, &p, now_ms());
                self.authn.principal = Some(p);
                self.authn.token = Some(token.to_owned());
                self.send_control(f).await
            }
            Err(e) => {
                self.reject(id, ProtocolError::AuthFailed(e.to_string()))
                    .await?;
                Err(End::Unauthenticated)
            }
        }
    }

    /// Sends what the mailbox holds, then a `lagged` notice and a resync snapshot for every
    /// stream that overflowed.
    async fn drain(&mut self) -> Result<(), End> {
        loop {
            let frames = self.mailbox.pop(BATCH);
            let n = frames.len();
            for (name, f) in frames {
                self.send_frame(stream::kind_label(&name), f).await?;
            }
            if n < BATCH {
                break;
            }
        }
        let lagged = self.mailbox.lagged();
        if lagged.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = lagged.iter().map(|s| &**s).collect();
        self.send_control(frame::lagged(&names, now_ms())).await?;
        let hub = self.push.hub.clone();
        for name in &lagged {
            let Some(s) = self.subs.get(name).cloned() else {
                self.mailbox.clear_lag(name);
                continue;
            };
            let f = hub.resync(&s, &self.mailbox, now_ms());
            self.send_frame(s.kind.as_str(), f).await?;
        }
        Ok(())
    }
}
