//! `MqttOptions` from settings: persistent session, limits, credentials and TLS.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{MqttOptions, TlsConfiguration, Transport};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::BrokerUrl;
use super::MqttSettings;

#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("cannot read {key} file {path}: {cause}")]
    Read {
        key: &'static str,
        path: String,
        cause: std::io::Error,
    },
    #[error("{key} file {path} holds no PEM {what}")]
    Empty {
        key: &'static str,
        path: String,
        what: &'static str,
    },
    #[error("cannot start the store writer thread: {0}")]
    Thread(String),
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
}

pub fn mqtt_options(m: &MqttSettings, url: &BrokerUrl) -> Result<MqttOptions, OptionsError> {
    let mut o = MqttOptions::new(&m.client_id, &url.host, url.port);
    // Persistent session: the broker keeps our subscription and queues QoS 1 messages while
    // we are away, so a restart or a network blip loses nothing.
    o.set_clean_session(false);
    o.set_keep_alive(Duration::from_secs(m.keep_alive_s));
    o.set_max_packet_size(m.max_packet_bytes, m.max_packet_bytes);
    o.set_inflight(m.inflight);
    if !m.username.is_empty() {
        o.set_credentials(&m.username, &m.password);
    }
    if url.tls {
        o.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
            Arc::new(tls_config(m)?),
        )));
    }
    Ok(o)
}

fn tls_config(m: &MqttSettings) -> Result<rustls::ClientConfig, OptionsError> {
    let mut roots = rustls::RootCertStore::empty();
    if m.ca_path.is_empty() {
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
    } else {
        for cert in read_certs("mqtt.ca_path", &m.ca_path)? {
            roots.add(cert)?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    if m.client_cert_path.is_empty() {
        return Ok(builder.with_no_client_auth());
    }
    let certs = read_certs("mqtt.client_cert_path", &m.client_cert_path)?;
    let key = read_key(&m.client_key_path)?;
    Ok(builder.with_client_auth_cert(certs, key)?)
}

fn read(key: &'static str, path: &str) -> Result<Vec<u8>, OptionsError> {
    std::fs::read(path).map_err(|cause| OptionsError::Read {
        key,
        path: path.to_owned(),
        cause,
    })
}

fn read_certs(key: &'static str, path: &str) -> Result<Vec<CertificateDer<'static>>, OptionsError> {
    let pem = read(key, path)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|cause| OptionsError::Read {
            key,
            path: path.to_owned(),
            cause,
        })?;
    if certs.is_empty() {
        return Err(OptionsError::Empty {
            key,
            path: path.to_owned(),
            what: "certificate",
        });
    }
    Ok(certs)
}

fn read_key(path: &str) -> Result<PrivateKeyDer<'static>, OptionsError> {
    let key = "mqtt.client_key_path";
    let pem = read(key, path)?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|cause| OptionsError::Read {
            key,
            path: path.to_owned(),
            cause,
        })?
        .ok_or(OptionsError::Empty {
            key,
            path: path.to_owned(),
            what: "private key",
        })
}
