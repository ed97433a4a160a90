//! The embedded broker's wire protocol: rumqttd's own MQTT 3.1.1 and MQTT 5 codecs, chosen per
//! connection from the CONNECT's protocol level, with the access policy (`access.rs`) applied
//! to every packet as it is decoded. rumqttd clones a `Protocol` value for each accepted
//! connection and keeps it for that connection's life, so the chosen version and the role
//! live here. A refused packet is a decode error: rumqttd closes the connection before its
//! router sees the packet (no SUBACK, no PUBACK, no session taken over).

use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use rumqttd::protocol::v4::V4;
use rumqttd::protocol::v5::V5;
use rumqttd::protocol::{Error, Packet, Protocol};

use super::access::{Access, Refused, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// Before the CONNECT has been read.
    Unknown,
    V311,
    V5,
}

#[derive(Debug, Clone)]
pub struct Guard {
    access: Arc<Access>,
    version: Version,
    /// Set by an admitted CONNECT.
    role: Option<Role>,
}

impl Guard {
    pub fn new(access: Arc<Access>) -> Guard {
        Guard {
            access,
            version: Version::Unknown,
            role: None,
        }
    }

    fn admit(&mut self, packet: &Packet) -> Result<(), Refused> {
        let Some(role) = self.role else {
            let Packet::Connect(connect, _, will, _, login) = packet else {
                return Ok(()); // rumqttd refuses anything but a CONNECT first
            };
            let login = login.as_ref();
            let login = login.map(|l| (l.username.as_str(), l.password.as_str()));
            let role = self.access.connect(&connect.client_id, login)?;
            if let Some(will) = will {
                self.access.publish(role, &will.topic)?;
            }
            self.role = Some(role);
            return Ok(());
        };
        match packet {
            Packet::Connect(..) => Err(Refused::Credentials), // a second CONNECT
            Packet::Publish(publish, props) => {
                // MQTT 5: an empty topic names an alias that an earlier, checked PUBLISH of
                // this connection set; rumqttd refuses an unknown alias itself.
                let alias = props.as_ref().is_some_and(|p| p.topic_alias.is_some());
                if publish.topic.is_empty() && alias {
                    return Ok(());
                }
                self.access.publish(role, &publish.topic)
            }
            Packet::Subscribe(..) | Packet::Unsubscribe(..) => self.access.subscribe(role),
            _ => Ok(()),
        }
    }
}

impl Protocol for Guard {
    fn read_mut(&mut self, stream: &mut BytesMut, max_size: usize) -> Result<Packet, Error> {
        if self.version == Version::Unknown {
            self.version = sniff(stream)?;
        }
        let mut packet = match self.version {
            Version::V5 => V5.read_mut(stream, max_size)?,
            _ => V4.read_mut(stream, max_size)?,
        };
        if let Err(refused) = self.admit(&packet) {
            // debug, not warn: a client retrying in a loop would flood the log.
            tracing::debug!(%refused, "embedded broker refused a packet; closing the connection");
            return Err(Error::MalformedPacket);
        }
        // rumqttd keeps one retained message per topic without a bound, and no one but ioc,
        // subscribed from the start, ever reads here: a retained publish is routed as a plain one.
        match &mut packet {
            Packet::Publish(publish, _) => publish.retain = false,
            Packet::Connect(_, _, Some(will), _, _) => will.retain = false,
            _ => {}
        }
        Ok(packet)
    }

    fn write(&self, packet: Packet, write: &mut BytesMut) -> Result<usize, Error> {
        match self.version {
            Version::V5 => V5.write(packet, write),
            _ => V4.write(packet, write),
        }
    }
}

/// The MQTT version of the CONNECT at the start of `stream`. An MQTT 3.1 CONNECT ("MQIsdp",
/// level 3) is rewritten in place as 3.1.1, which reads the rest of the session the same way.
/// Anything else is left to rumqttd's 3.1.1 codec, which refuses it.
fn sniff(stream: &mut BytesMut) -> Result<Version, Error> {
    const MQISDP: &[u8] = b"\x00\x06MQIsdp\x03";
    match stream.first() {
        // rumqttd reads before any byte has arrived: decide nothing yet.
        None => return Err(Error::InsufficientBytes(2)),
        Some(0x10) => {}
        Some(_) => return Ok(Version::V311),
    }
    let (remaining, header) = remaining_length(stream)?;
    // Protocol name (2-byte length, then the name) and level: at most MQISDP's 9 bytes.
    let need = header + MQISDP.len().min(remaining);
    if stream.len() < need {
        return Err(Error::InsufficientBytes(need - stream.len()));
    }
    let name_and_level = &stream[header..need];
    if name_and_level.starts_with(b"\x00\x04MQTT") && name_and_level.get(6) == Some(&5) {
        return Ok(Version::V5);
    }
    if name_and_level == MQISDP && remaining >= MQISDP.len() {
        let mut v311 = BytesMut::with_capacity(stream.len());
        v311.put_u8(0x10);
        put_remaining_length(&mut v311, remaining - 2);
        v311.put_slice(b"\x00\x04MQTT\x04");
        v311.put_slice(&stream[need..]);
        *stream = v311;
    }
    Ok(Version::V311)
}

/// The packet's remaining length and the fixed header's length (MQTT 3.1.1 §2.2.3).
fn remaining_length(stream: &[u8]) -> Result<(usize, usize), Error> {
    let mut value = 0usize;
    for (i, byte) in stream.iter().skip(1).take(4).enumerate() {
        value += usize::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, i + 2));
        }
    }
    if stream.len() >= 5 {
        Err(Error::MalformedRemainingLength)
    } else {
        Err(Error::InsufficientBytes(1))
    }
}

fn put_remaining_length(out: &mut BytesMut, mut len: usize) {
    loop {
        let mut byte = (len & 0x7F) as u8;
        len >>= 7;
        if len > 0 {
            byte |= 0x80;
        }
        out.put_u8(byte);
        if len == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::IocLogin;
    use super::*;

    #[test]
    fn an_mqtt_3_1_connect_is_read_as_3_1_1() {
        // CONNECT, "MQIsdp" level 3, clean session, keep-alive 60, client id "a".
        let v31 = b"\x10\x0f\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x01a";
        let mut stream = BytesMut::from(&v31[..]);
        assert_eq!(sniff(&mut stream).ok(), Some(Version::V311));
        assert_eq!(
            &stream[..],
            b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01a"
        );
        let Ok(Packet::Connect(connect, ..)) = V4.read_mut(&mut stream, 1024) else {
            panic!("rumqttd reads the rewritten CONNECT");
        };
        assert_eq!(connect.client_id, "a");
    }

    #[test]
    fn the_version_waits_for_enough_bytes_and_picks_mqtt_5() {
        assert!(matches!(
            sniff(&mut BytesMut::new()),
            Err(Error::InsufficientBytes(_))
        ));
        let mut partial = BytesMut::from(&b"\x10\x0d\x00\x04MQ"[..]);
        assert!(matches!(
            sniff(&mut partial),
            Err(Error::InsufficientBytes(_))
        ));
        let mut v5 = BytesMut::from(&b"\x10\x0e\x00\x04MQTT\x05\x02\x00"[..]);
        assert_eq!(sniff(&mut v5).ok(), Some(Version::V5));
        assert_eq!(put_len(200), vec![0xC8, 0x01]);
        assert_eq!(remaining_length(&[0x10, 0xC8, 0x01]).ok(), Some((200, 3)));
    }

    #[test]
    fn a_retained_publish_is_routed_as_a_plain_one() {
        let access = Access::new(
            IocLogin {
                username: "ioc-internal".into(),
                password: "k".into(),
            },
            "ioc-ingest",
            None,
            "city",
        );
        let mut guard = Guard::new(Arc::new(access));
        let mut stream = BytesMut::from(&b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01a"[..]);
        // PUBLISH, QoS 0, retain, topic city/t/d/s, payload "1".
        stream.extend_from_slice(b"\x31\x0d\x00\x0acity/t/d/s1");
        assert!(matches!(
            guard.read_mut(&mut stream, 1024),
            Ok(Packet::Connect(..))
        ));
        let Ok(Packet::Publish(publish, _)) = guard.read_mut(&mut stream, 1024) else {
            panic!("the publish is admitted");
        };
        assert!(!publish.retain);
        assert_eq!(&publish.topic[..], b"city/t/d/s");
    }

    fn put_len(n: usize) -> Vec<u8> {
        let mut b = BytesMut::new();
        put_remaining_length(&mut b, n);
        b.to_vec()
    }
}
