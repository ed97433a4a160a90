//! A minimal MQTT 3.1.1 client over plain TCP: CONNECT, PUBLISH (QoS 0/1), SUBSCRIBE, PUBACK.
//! Hand-written so the load generator and the counting subscriber cost the machine as little
//! as possible: on two cores every cycle they spend is taken from the broker and `ioc`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// Appends one PUBLISH packet; `pkid` is used only for QoS 1.
pub fn publish(out: &mut Vec<u8>, qos: u8, pkid: u16, topic: &[u8], payload: &[u8]) {
    out.push(0x30 | (qos << 1));
    let id_len = if qos > 0 { 2 } else { 0 };
    put_len(out, 2 + topic.len() + id_len + payload.len());
    put_str(out, topic);
    if qos > 0 {
        out.extend_from_slice(&pkid.to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// Connects with a clean session and no keep-alive; waits for CONNACK.
pub async fn connect(port: u16, client_id: &str) -> anyhow::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .with_context(|| format!("connect to the broker on port {port}"))?;
    s.set_nodelay(true)?;
    let mut body = Vec::new();
    put_str(&mut body, b"MQTT");
    body.extend_from_slice(&[4, 0x02, 0, 0]); // level 4, clean session, keep-alive off
    put_str(&mut body, client_id.as_bytes());
    let mut pkt = vec![0x10];
    put_len(&mut pkt, body.len());
    pkt.extend_from_slice(&body);
    s.write_all(&pkt).await?;
    let mut ack = [0u8; 4];
    s.read_exact(&mut ack).await?;
    if ack[0] != 0x20 || ack[3] != 0 {
        bail!("CONNACK refused: {ack:?}");
    }
    Ok(s)
}

/// Splits complete packets off the front of `buf`; calls `f(first byte, body)` for each and
/// returns how many bytes were consumed.
pub fn frames(buf: &[u8], mut f: impl FnMut(u8, &[u8])) -> usize {
    let mut at = 0;
    loop {
        let rest = &buf[at..];
        if rest.len() < 2 {
            return at;
        }
        let (mut len, mut mult, mut i) = (0usize, 1usize, 1usize);
        loop {
            let Some(&b) = rest.get(i) else { return at };
            len += (b & 0x7f) as usize * mult;
            mult *= 128;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        if rest.len() < i + len {
            return at;
        }
        f(rest[0], &rest[i..i + len]);
        at += i + len;
    }
}

/// Counts PUBACKs arriving on a publisher's read half until the connection closes.
pub async fn count_acks(mut rd: tokio::net::tcp::OwnedReadHalf, acks: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        let n = match rd.read(&mut buf[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        filled += n;
        let mut got = 0;
        let used = frames(&buf[..filled], |t, _| {
            if t >> 4 == 4 {
                got += 1;
            }
        });
        acks.fetch_add(got, Ordering::Relaxed);
        buf.copy_within(used..filled, 0);
        filled -= used;
    }
}

/// A subscriber that counts the messages it receives on `filter` (and acknowledges QoS 1).
pub async fn counting_subscriber(
    port: u16,
    filter: &str,
    qos: u8,
    received: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let s = connect(port, &format!("e2e-count-{}", std::process::id())).await?;
    let (mut rd, mut wr) = s.into_split();
    let mut body = vec![0, 1];
    put_str(&mut body, filter.as_bytes());
    body.push(qos);
    let mut pkt = vec![0x82];
    put_len(&mut pkt, body.len());
    pkt.extend_from_slice(&body);
    wr.write_all(&pkt).await?;
    let mut buf = vec![0u8; 256 * 1024];
    let (mut filled, mut acks) = (0, Vec::new());
    loop {
        let n = rd.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let mut got = 0;
        acks.clear();
        let used = frames(&buf[..filled], |t, body| {
            if t >> 4 != 3 {
                return;
            }
            got += 1;
            if (t >> 1) & 3 == 1 && body.len() >= 2 {
                let tl = u16::from_be_bytes([body[0], body[1]]) as usize;
                if let Some(id) = body.get(2 + tl..4 + tl) {
                    acks.extend_from_slice(&[0x40, 2, id[0], id[1]]);
                }
            }
        });
        received.fetch_add(got, Ordering::Relaxed);
        if !acks.is_empty() {
            wr.write_all(&acks).await?;
        }
        buf.copy_within(used..filled, 0);
        filled -= used;
    }
}
