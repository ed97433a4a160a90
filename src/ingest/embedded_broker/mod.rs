//! The embedded broker (rumqttd), so `ioc` runs with no external broker. It runs on threads of
//! its own (rumqttd's router thread, and one runtime for the listener) and lives as long as the
//! process.
//!
//! rumqttd's `Broker` is not used: its listeners take a fixed protocol (3.1.1 or 5, one port
//! each) and it has no authorization hook. Its router and `Server` are public, so the listener
//! here runs `guard.rs`'s protocol instead: 3.1.1, 3.1 and 5 on one port, and the access policy
//! of `access.rs` on every packet.

mod access;
mod guard;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rumqttd::{ConnectionSettings, LinkType, Router, RouterConfig, Server, ServerSettings};

pub use access::IocLogin;

use super::{BrokerSettings, MqttSettings};
use access::Access;
use guard::Guard;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedBrokerError {
    #[error("embedded broker cannot listen on {addr} (broker.listen): {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("cannot start the embedded broker thread: {0}")]
    Thread(std::io::Error),
    #[error("cannot generate ioc's embedded-broker credential: {0}")]
    Random(getrandom::Error),
}

/// Starts rumqttd on `broker.listen` and returns, once it accepts connections, the credential
/// ioc's own connection (client id `mqtt.client_id`) must present.
pub fn start_embedded_broker(
    broker: &BrokerSettings,
    mqtt: &MqttSettings,
) -> Result<IocLogin, EmbeddedBrokerError> {
    // Server::start logs a failed bind on its own thread and carries on; probe first so a
    // taken port is a startup error that names the key.
    let addr = broker.listen;
    TcpListener::bind(addr).map_err(|cause| EmbeddedBrokerError::Bind { addr, cause })?;

    let ioc = IocLogin::generate().map_err(EmbeddedBrokerError::Random)?;
    let publisher =
        (!broker.username.is_empty()).then(|| (broker.username.clone(), broker.password.clone()));
    let access = Arc::new(Access::new(
        ioc.clone(),
        &mqtt.client_id,
        publisher,
        &mqtt.topic_prefix,
    ));
    let ioc_filter = format!("{}/+/+/+", mqtt.topic_prefix);
    let router = Router::new(0, router_config(broker, ioc_filter)).spawn();
    let mut server = Server::new(server_settings(broker), router, Guard::new(access));
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => {
                    if let Err(e) = rt.block_on(server.start(LinkType::Remote)) {
                        tracing::error!(error = %e, "embedded broker stopped");
                    }
                }
                Err(e) => tracing::error!(error = %e, "embedded broker: no runtime"),
            }
        })
        .map_err(EmbeddedBrokerError::Thread)?;
    wait_until_listening(addr, &ioc);
    tracing::info!(%addr, "embedded MQTT broker listening (MQTT 3.1, 3.1.1 and 5)");
    Ok(ioc)
}

fn router_config(broker: &BrokerSettings, ioc_filter: String) -> RouterConfig {
    RouterConfig {
        max_connections: broker.max_connections,
        max_outgoing_packet_count: 200,
        // rumqttd keeps an in-memory log per subscription filter, whether or not anyone still
        // reads it. Only ioc subscribes (access.rs), and its filter exists from the start, so
        // there is one log, bounded by these two keys.
        max_segment_size: broker.max_segment_bytes,
        max_segment_count: broker.max_segment_count,
        initialized_filters: Some(vec![ioc_filter]),
        ..RouterConfig::default()
    }
}

fn server_settings(broker: &BrokerSettings) -> ServerSettings {
    ServerSettings {
        name: "ioc-embedded".to_owned(),
        listen: broker.listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: broker.max_payload_bytes,
            max_inflight_count: broker.max_inflight,
            // Logins are checked by the access policy (guard.rs), which also knows ioc's own.
            auth: None,
            external_auth: None,
            // Off: a publish no filter matches would otherwise open a new log for its topic.
            dynamic_filters: false,
        },
    }
}

/// Waits until the broker answers ioc's CONNECT with a CONNACK (at most ~2 s): a real
/// readiness probe, so ingest's first connection attempt does not race the listener.
fn wait_until_listening(addr: SocketAddr, ioc: &IocLogin) {
    for _ in 0..200 {
        if probe(addr, ioc).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    tracing::warn!(%addr, "embedded broker did not answer a probe within 2 s");
}

fn probe(addr: SocketAddr, ioc: &IocLogin) -> std::io::Result<()> {
    // CONNECT, MQTT 3.1.1, user name and password, clean session, keep-alive 60 s.
    let mut body = b"\x00\x04MQTT\x04\xc2\x00\x3c".to_vec();
    for field in ["ioc-probe", &ioc.username, &ioc.password] {
        let len = u16::try_from(field.len()).map_err(std::io::Error::other)?;
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(field.as_bytes());
    }
    // Under 128 bytes, so the remaining length is one byte.
    let len = u8::try_from(body.len()).map_err(std::io::Error::other)?;
    const DISCONNECT: [u8; 2] = [0xE0, 0];
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    s.write_all(&[&[0x10, len][..], &body].concat())?;
    let mut connack = [0u8; 4];
    s.read_exact(&mut connack)?;
    s.write_all(&DISCONNECT)?;
    if connack[0] == 0x20 && connack[3] == 0 {
        Ok(())
    } else {
        Err(std::io::Error::other("unexpected CONNACK"))
    }
}
