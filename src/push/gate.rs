//! Refuses a WebSocket frame on its declared length, before its payload is buffered.
//!
//! actix-http's frame parser checks a frame's length only once the whole frame has arrived, and
//! actix-ws keeps reading the request body into its buffer until then: a header declaring 2^40
//! bytes made the server buffer whatever followed (issue 19, finding 1). [`FrameGate`] reads the
//! same bytes on their way in, frame header by frame header, and refuses a frame whose header
//! declares more than the connection may send, before a byte of its payload is kept. Before
//! authentication it also caps the bytes the connection may send at all.
//!
//! [`GatedPayload`] wraps the upgrade's body stream; on a refusal it ends with
//! `PayloadError::Overflow`, and the connection reads why from the shared [`GateState`].

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use bytes::Bytes;
use futures_core::Stream;

/// Why the gate refused the connection's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A frame header declared more than the connection's frame limit.
    FrameTooLarge,
    /// An unauthenticated connection sent more than `push.pending_max_bytes`.
    PendingBytes,
}

/// What the gate and the connection share: whether the connection authenticated (which lifts
/// the pending limits) and, once refused, why.
#[derive(Debug, Default)]
pub struct GateState {
    authenticated: AtomicBool,
    /// 0: not refused; 1 + `Refusal as u8` otherwise.
    refused: AtomicU8,
}

impl GateState {
    pub fn authenticate(&self) {
        self.authenticated.store(true, Ordering::Release);
    }

    pub fn refused(&self) -> Option<Refusal> {
        match self.refused.load(Ordering::Acquire) {
            1 => Some(Refusal::FrameTooLarge),
            2 => Some(Refusal::PendingBytes),
            _ => None,
        }
    }

    fn refuse(&self, r: Refusal) {
        let code = match r {
            Refusal::FrameTooLarge => 1,
            Refusal::PendingBytes => 2,
        };
        self.refused.store(code, Ordering::Release);
    }
}

/// The limits of one connection.
#[derive(Debug, Clone, Copy)]
pub struct GateLimits {
    /// Largest frame once authenticated.
    pub frame: usize,
    /// Largest frame before authenticating (an `auth` message is never larger).
    pub pending_frame: usize,
    /// Bytes an unauthenticated connection may send in all, frame headers included.
    pub pending_total: usize,
}

/// Longest frame header: 2 bytes, a 64-bit length, a 4-byte mask (RFC 6455 §5.2).
const MAX_HEADER: usize = 14;

/// Follows the frame boundaries of a client's byte stream. Pure: fed bytes, it says whether
/// they may pass; it never copies a payload.
#[derive(Debug)]
pub struct FrameGate {
    limits: GateLimits,
    header: [u8; MAX_HEADER],
    /// Header bytes collected so far; 0 while inside a payload or between frames.
    have: usize,
    /// Payload bytes of the current frame still to pass.
    remaining: u64,
    /// Bytes seen while unauthenticated.
    pending_seen: usize,
}

impl FrameGate {
    pub fn new(limits: GateLimits) -> FrameGate {
        FrameGate {
            limits,
            header: [0; MAX_HEADER],
            have: 0,
            remaining: 0,
            pending_seen: 0,
        }
    }

    /// Checks the next chunk of the client's bytes.
    /// A frame's declared length is checked first, so a chunk holding an oversized header
    /// and more is refused as `FrameTooLarge`.
    pub fn feed(&mut self, bytes: &[u8], authenticated: bool) -> Result<(), Refusal> {
        self.walk(bytes, authenticated)?;
        if !authenticated {
            self.pending_seen = self.pending_seen.saturating_add(bytes.len());
            if self.pending_seen > self.limits.pending_total {
                return Err(Refusal::PendingBytes);
            }
        }
        Ok(())
    }

    /// Follows frame boundaries through `bytes`, checking each header as it completes.
    fn walk(&mut self, mut bytes: &[u8], authenticated: bool) -> Result<(), Refusal> {
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let n = bytes
                    .len()
                    .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                self.remaining -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            self.header[self.have] = bytes[0];
            self.have += 1;
            bytes = &bytes[1..];
            if let Some(declared) = self.header_done() {
                self.have = 0;
                let max = if authenticated {
                    self.limits.frame
                } else {
                    self.limits.pending_frame
                };
                if declared > max as u64 {
                    return Err(Refusal::FrameTooLarge);
                }
                self.remaining = declared;
            }
        }
        Ok(())
    }

    /// The declared payload length once the header is complete.
    fn header_done(&self) -> Option<u64> {
        if self.have < 2 {
            return None;
        }
        let len7 = self.header[1] & 0x7f;
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
        if self.have < 2 + ext + mask {
            return None;
        }
        let ext_bytes = &self.header[2..2 + ext];
        Some(
            ext_bytes
                .iter()
                .fold(if ext == 0 { u64::from(len7) } else { 0 }, |n, b| {
                    (n << 8) | u64::from(*b)
                }),
        )
    }
}

/// The upgrade's body, passed through a [`FrameGate`].
pub struct GatedPayload<S> {
    inner: S,
    gate: FrameGate,
    state: Arc<GateState>,
    done: bool,
}

impl<S> GatedPayload<S> {
    pub fn new(inner: S, limits: GateLimits, state: Arc<GateState>) -> Self {
        GatedPayload {
            inner,
            gate: FrameGate::new(limits),
            state,
            done: false,
        }
    }
}

impl<S> GatedPayload<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    /// As a request body, for `web::Payload::from_request` and so for actix-ws.
    pub fn into_payload(self) -> actix_web::dev::Payload {
        let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(self);
        actix_web::dev::Payload::Stream { payload: boxed }
    }
}

impl<S> Stream for GatedPayload<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let item = match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                let authenticated = this.state.authenticated.load(Ordering::Acquire);
                match this.gate.feed(&bytes, authenticated) {
                    Ok(()) => Ok(bytes),
                    Err(r) => {
                        // Nothing more is read: what the client still sends stays in the
                        // socket (actix-http stops reading once its small buffer is full)
                        // until the connection closes.
                        this.state.refuse(r);
                        this.done = true;
                        Err(PayloadError::Overflow)
                    }
                }
            }
            other => return other,
        };
        Poll::Ready(Some(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: GateLimits = GateLimits {
        frame: 65_536,
        pending_frame: 4096,
        pending_total: 16_384,
    };

    fn masked(len: u64) -> Vec<u8> {
        let mut h = vec![0x81];
        if len < 126 {
            h.push(0x80 | len as u8);
        } else if len <= 0xffff {
            h.push(0x80 | 126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            h.push(0x80 | 127);
            h.extend_from_slice(&len.to_be_bytes());
        }
        h.extend_from_slice(&[1, 2, 3, 4]);
        h
    }

    #[test]
    fn a_header_declaring_two_to_the_forty_bytes_is_refused_before_any_payload() {
        let mut g = FrameGate::new(LIMITS);
        assert_eq!(g.feed(&masked(1 << 40), true), Err(Refusal::FrameTooLarge));
    }

    #[test]
    fn a_header_split_across_chunks_is_still_read() {
        let mut g = FrameGate::new(LIMITS);
        let h = masked(70_000);
        for b in &h[..h.len() - 1] {
            assert_eq!(g.feed(&[*b], true), Ok(()));
        }
        assert_eq!(g.feed(&h[h.len() - 1..], true), Err(Refusal::FrameTooLarge));
    }

    #[test]
    fn frames_within_the_limit_pass_one_after_another() {
        let mut g = FrameGate::new(LIMITS);
        let mut bytes = Vec::new();
        for len in [0u64, 5, 125, 126, 4000, 65_536] {
            bytes.extend(masked(len));
            bytes.extend(std::iter::repeat_n(b'x', len as usize));
        }
        for chunk in bytes.chunks(777) {
            assert_eq!(g.feed(chunk, true), Ok(()));
        }
        // A payload byte that looks like a huge header is payload, not a header.
        let mut g = FrameGate::new(LIMITS);
        let mut frame = masked(10);
        frame.extend([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(g.feed(&frame, true), Ok(()));
    }

    #[test]
    fn before_authenticating_frames_and_total_bytes_have_smaller_limits() {
        let mut g = FrameGate::new(LIMITS);
        assert_eq!(g.feed(&masked(4097), false), Err(Refusal::FrameTooLarge));
        let mut g = FrameGate::new(LIMITS);
        let mut frame = masked(4000);
        frame.extend(std::iter::repeat_n(b'x', 4000));
        for _ in 0..4 {
            assert_eq!(g.feed(&frame, false), Ok(()));
        }
        assert_eq!(g.feed(&frame, false), Err(Refusal::PendingBytes));
        // An oversized header in a chunk over the byte budget is still named for what it is.
        let mut g = FrameGate::new(LIMITS);
        let mut chunk = masked(1 << 40);
        chunk.extend(std::iter::repeat_n(b'x', 20_000));
        assert_eq!(g.feed(&chunk, false), Err(Refusal::FrameTooLarge));
        // Once authenticated, neither applies.
        let mut g = FrameGate::new(LIMITS);
        for _ in 0..10 {
            assert_eq!(g.feed(&frame, true), Ok(()));
        }
    }
}
