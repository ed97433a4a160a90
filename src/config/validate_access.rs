//! Validation of the access-control settings: embedded broker credentials, `[http]` limits
//! and CORS, `[auth]` JWT.

use super::validate::range;
use super::{ConfigError, Settings};

/// The embedded broker's credentials: both or neither, and required off loopback.
pub(super) fn validate_broker(settings: &Settings) -> Result<(), ConfigError> {
    let b = &settings.broker;
    if b.username.is_empty() != b.password.is_empty() {
        return Err(ConfigError::invalid(
            "broker.password",
            if b.password.is_empty() {
                "(empty)"
            } else {
                "(set)"
            },
            "broker.username and broker.password are set together or not at all",
        ));
    }
    if settings.uses_embedded_broker() && b.username.is_empty() && !b.listen.ip().is_loopback() {
        return Err(ConfigError::invalid(
            "broker.listen",
            b.listen,
            "a non-loopback address needs broker.username and broker.password, so only \
                 known publishers can write; or listen on 127.0.0.1",
        ));
    }
    Ok(())
}

pub(super) fn validate_http(h: &super::settings::HttpSettings) -> Result<(), ConfigError> {
    range(
        "http.max_body_bytes",
        h.max_body_bytes as u64,
        1024,
        64 << 20,
    )?;
    for origin in &h.cors_allowed_origins {
        let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
            && !origin.ends_with('/')
            && !origin.contains('*')
            && origin
                .split("://")
                .nth(1)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
        if !ok {
            return Err(ConfigError::invalid(
                "http.cors_allowed_origins",
                format!("{origin:?}"),
                "each entry an origin like \"https://ioc.danang.gov.vn\" (scheme://host[:port], no path, no wildcard)",
            ));
        }
    }
    range(
        "http.rate_per_key_per_s",
        u64::from(h.rate_per_key_per_s),
        1,
        1_000_000,
    )?;
    range(
        "http.rate_per_key_burst",
        u64::from(h.rate_per_key_burst),
        1,
        1_000_000,
    )?;
    range(
        "http.rate_per_ip_per_s",
        u64::from(h.rate_per_ip_per_s),
        1,
        1_000_000,
    )?;
    range(
        "http.rate_per_ip_burst",
        u64::from(h.rate_per_ip_burst),
        1,
        1_000_000,
    )?;
    Ok(())
}

pub(super) fn validate_auth(a: &super::settings::AuthSettings) -> Result<(), ConfigError> {
    match a.jwt_algorithm.trim() {
        "" => Ok(()),
        "HS256" if a.jwt_secret.len() < 32 => Err(ConfigError::invalid(
            "auth.jwt_secret",
            format!("({} bytes)", a.jwt_secret.len()),
            "HS256 needs a shared secret of at least 32 bytes (set IOC__AUTH__JWT_SECRET)",
        )),
        "RS256" if a.jwt_public_key_path.trim().is_empty() => Err(ConfigError::invalid(
            "auth.jwt_public_key_path",
            "\"\"",
            "RS256 needs the identity provider's RSA public key (PEM file)",
        )),
        "HS256" | "RS256" if a.jwt_role_claim.is_empty() || a.jwt_scope_claim.is_empty() => {
            Err(ConfigError::invalid(
                "auth.jwt_role_claim",
                format!("{:?}", a.jwt_role_claim),
                "claim names must not be empty",
            ))
        }
        "HS256" | "RS256" => Ok(()),
        other => Err(ConfigError::invalid(
            "auth.jwt_algorithm",
            format!("{other:?}"),
            "\"\" (off), \"HS256\" or \"RS256\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{load, Overrides};

    fn error_of(pairs: &[(&str, &str)]) -> String {
        let env = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(&Overrides { file: None, env })
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn access_settings_are_checked_with_the_key_named() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[("IOC__BROKER__LISTEN", "0.0.0.0:1883")], "broker.listen"),
            (&[("IOC__BROKER__USERNAME", "sensors")], "broker.password"),
            (
                &[("IOC__HTTP__CORS_ALLOWED_ORIGINS", "https://a.example/path")],
                "http.cors_allowed_origins",
            ),
            (
                &[("IOC__HTTP__CORS_ALLOWED_ORIGINS", "*")],
                "http.cors_allowed_origins",
            ),
            (
                &[
                    ("IOC__AUTH__JWT_ALGORITHM", "HS256"),
                    ("IOC__AUTH__JWT_SECRET", "short"),
                ],
                "auth.jwt_secret",
            ),
            (
                &[("IOC__AUTH__JWT_ALGORITHM", "none")],
                "auth.jwt_algorithm",
            ),
        ];
        for (env, key) in cases {
            let msg = error_of(env);
            assert!(msg.contains(key), "{env:?}: {msg}");
        }
        assert_eq!(
            error_of(&[(
                "IOC__HTTP__CORS_ALLOWED_ORIGINS",
                "https://ioc.danang.gov.vn,http://localhost:3000"
            )]),
            "",
            "a list of origins from the environment is accepted"
        );
    }
}
