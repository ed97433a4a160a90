//! The embedded broker (rumqttd), so `ioc` runs with no external broker. It runs on threads of
//! its own (rumqttd starts a runtime per listener) and lives as long as the process.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use rumqttd::{Broker, ConnectionSettings, RouterConfig, ServerSettings};

use super::BrokerSettings;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedBrokerError {
    #[error("embedded broker cannot listen on {addr} (broker.listen): {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("cannot start the embedded broker thread: {0}")]
    Thread(std::io::Error),
}

/// Starts rumqttd on `settings.listen` and returns once it accepts connections.
pub fn start_embedded_broker(settings: &BrokerSettings) -> Result<(), EmbeddedBrokerError> {
    // rumqttd logs a failed bind on its own thread and carries on; probe first so a taken port
    // is a startup error that names the key.
    let addr = settings.listen;
    TcpListener::bind(addr).map_err(|cause| EmbeddedBrokerError::Bind { addr, cause })?;

    let connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: settings.max_payload_bytes,
        max_inflight_count: settings.max_inflight,
        // Publishers must log in when credentials are configured.
        auth: (!settings.username.is_empty())
            .then(|| HashMap::from([(settings.username.clone(), settings.password.clone())])),
        external_auth: None,
        dynamic_filters: true,
    };
    let server = ServerSettings {
        name: "ioc-embedded".to_owned(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    let config = rumqttd::Config {
        id: 0,
        router: RouterConfig {
            max_connections: settings.max_connections,
            max_outgoing_packet_count: 200,
            // In-memory commit log per topic filter: 8 segments of 16 MiB bound what the broker
            // holds for a lagging or disconnected subscriber.
            max_segment_size: 16 << 20,
            max_segment_count: 8,
            ..RouterConfig::default()
        },
        v4: Some(HashMap::from([("1".to_owned(), server)])),
        ..rumqttd::Config::default()
    };
    let mut broker = Broker::new(config);
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "embedded broker stopped");
            }
        })
        .map_err(EmbeddedBrokerError::Thread)?;
    wait_until_listening(addr, settings.username.is_empty());
    tracing::info!(%addr, "embedded MQTT broker listening");
    Ok(())
}

/// Waits until the broker answers an MQTT CONNECT with a CONNACK (at most ~2 s): a real
/// readiness probe, so ingest's first connection attempt does not race the listener.
/// With credentials required the anonymous probe is refused, so only the TCP accept is awaited.
fn wait_until_listening(addr: SocketAddr, anonymous: bool) {
    for _ in 0..200 {
        let ready = if anonymous {
            probe(addr).is_ok()
        } else {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        };
        if ready {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    tracing::warn!(%addr, "embedded broker did not answer a probe within 2 s");
}

fn probe(addr: SocketAddr) -> std::io::Result<()> {
    // CONNECT, MQTT 3.1.1, clean session, keep-alive 60 s, client id "ioc-probe".
    const CONNECT: [u8; 23] = [
        0x10, 21, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 9, b'i', b'o', b'c', b'-', b'p',
        b'r', b'o', b'b', b'e',
    ];
    const DISCONNECT: [u8; 2] = [0xE0, 0];
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    s.write_all(&CONNECT)?;
    let mut connack = [0u8; 4];
    s.read_exact(&mut connack)?;
    s.write_all(&DISCONNECT)?;
    if connack[0] == 0x20 && connack[3] == 0 {
        Ok(())
    } else {
        Err(std::io::Error::other("unexpected CONNACK"))
    }
}
