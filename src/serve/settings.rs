//! `[http]`: the HTTP server, its limits and CORS. Every key is documented with its default
//! in `config/default.toml`.

use std::net::SocketAddr;

use serde::Deserialize;

use crate::auth::RateConfig;
use crate::setting::{positive, range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    pub workers: usize,
    pub shutdown_timeout_s: u64,
    pub max_body_bytes: usize,
    pub cors_allowed_origins: Vec<String>,
    pub rate_per_key_per_s: u32,
    pub rate_per_key_burst: u32,
    pub rate_per_ip_per_s: u32,
    pub rate_per_ip_burst: u32,
}

impl HttpSettings {
    pub fn rates(&self) -> RateConfig {
        RateConfig {
            per_key_per_s: self.rate_per_key_per_s,
            per_key_burst: self.rate_per_key_burst,
            per_ip_per_s: self.rate_per_ip_per_s,
            per_ip_burst: self.rate_per_ip_burst,
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        positive("http.shutdown_timeout_s", self.shutdown_timeout_s)?;
        if self.workers > 256 {
            return Err(Invalid::new(
                "http.workers",
                self.workers,
                "0 (one per core) to 256",
            ));
        }
        range(
            "http.max_body_bytes",
            self.max_body_bytes as u64,
            1024,
            64 << 20,
        )?;
        self.cors_allowed_origins
            .iter()
            .try_for_each(|o| validate_origin(o))?;
        for (key, v) in [
            ("http.rate_per_key_per_s", self.rate_per_key_per_s),
            ("http.rate_per_key_burst", self.rate_per_key_burst),
            ("http.rate_per_ip_per_s", self.rate_per_ip_per_s),
            ("http.rate_per_ip_burst", self.rate_per_ip_burst),
        ] {
            range(key, u64::from(v), 1, 1_000_000)?;
        }
        Ok(())
    }
}

/// One CORS origin: `scheme://host[:port]`, no path, no wildcard.
fn validate_origin(origin: &str) -> Result<(), Invalid> {
    let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
        && !origin.ends_with('/')
        && !origin.contains('*')
        && origin
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "http.cors_allowed_origins",
            format!("{origin:?}"),
            "each entry an origin like \"https://ioc.danang.gov.vn\" (scheme://host[:port], no path, no wildcard)",
        ))
    }
}
