//! Large text frames leave as WebSocket fragments (RFC 6455 §5.4: a first text frame, then
//! continuations, the last with FIN). actix-ws joins every message waiting in its channel into
//! one body chunk, and the HTTP/1 dispatcher under it keeps its write buffer's capacity for
//! the connection's life when that stays under 128 KiB: subscribe snapshots and tick bursts
//! left 1,000 connections holding about 100 KiB each (heaptrack, 100,000 sensors). The
//! connection task sends a large message a fragment at a time and yields after each, so the
//! body encodes one fragment per chunk, and the dispatcher flushes at [`WRITE_BUFFER_BYTES`].
//! Clients see one message: browsers and WebSocket libraries reassemble fragments.

use bytes::Bytes;

/// The largest text frame sent in one piece, and the size of each fragment of a larger one.
pub const FRAGMENT_BYTES: usize = 8 * 1024;

/// The HTTP/1 dispatcher's write buffer (`HttpServer::h1_write_buffer_size`): it stops
/// taking frames from the WebSocket's channel once this much waits to be written.
pub const WRITE_BUFFER_BYTES: usize = 16 * 1024;

/// `text` cut into fragments of [`FRAGMENT_BYTES`] (the last may be shorter), sharing its
/// buffer. Cuts may fall inside a UTF-8 character: only the whole message must be valid
/// UTF-8, and the client checks it once reassembled.
pub fn fragments(text: &Bytes) -> Vec<Bytes> {
    (0..text.len())
        .step_by(FRAGMENT_BYTES)
        .map(|at| text.slice(at..(at + FRAGMENT_BYTES).min(text.len())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_cut_into_pieces_of_at_most_a_fragment_that_join_back() {
        for len in [
            1,
            FRAGMENT_BYTES,
            FRAGMENT_BYTES + 1,
            3 * FRAGMENT_BYTES + 17,
        ] {
            let text = Bytes::from((0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
            let pieces = fragments(&text);
            assert_eq!(pieces.len(), len.div_ceil(FRAGMENT_BYTES));
            assert!(pieces
                .iter()
                .all(|p| !p.is_empty() && p.len() <= FRAGMENT_BYTES));
            assert_eq!(pieces.concat(), text.to_vec());
        }
    }
}
