//! Optional JWT validation for a province's single sign-on: HS256 with a shared secret or
//! RS256 with the identity provider's public key. The role and scope come from configurable
//! claims; `exp` is required, and so are `iss` and `aud` when configured; `nbf` and `iat`
//! are checked when present. Refusals say what is wrong in our words, never the library's.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::{Principal, Role, Scope};

/// How to verify tokens (from `[auth]`).
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// `HS256` or `RS256`.
    pub algorithm: String,
    pub secret: String,
    pub public_key_pem: Option<Vec<u8>>,
    pub issuer: String,
    pub audience: String,
    pub role_claim: String,
    pub scope_claim: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("auth.jwt_algorithm {0:?} is not HS256 or RS256")]
    Algorithm(String),
    #[error("auth.jwt_secret is empty; HS256 needs a shared secret of at least 32 bytes")]
    MissingSecret,
    #[error("auth.jwt_secret has {0} bytes; use at least 32")]
    ShortSecret(usize),
    #[error(
        "auth.jwt_public_key_path is empty; RS256 needs the identity provider's public key (PEM)"
    )]
    MissingPublicKey,
    #[error("auth.jwt_public_key_path is not an RSA public key in PEM: {0}")]
    BadPublicKey(String),
}

pub struct JwtVerifier {
    key: DecodingKey,
    /// The configured algorithm's name, for refusals.
    algorithm: &'static str,
    validation: Validation,
    role_claim: String,
    scope_claim: String,
}

impl JwtVerifier {
    pub fn new(cfg: &JwtConfig) -> Result<JwtVerifier, JwtError> {
        let (alg, key) = match cfg.algorithm.as_str() {
            "HS256" => {
                if cfg.secret.is_empty() {
                    return Err(JwtError::MissingSecret);
                }
                if cfg.secret.len() < 32 {
                    return Err(JwtError::ShortSecret(cfg.secret.len()));
                }
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(cfg.secret.as_bytes()),
                )
            }
            "RS256" => {
                let pem = cfg
                    .public_key_pem
                    .as_ref()
                    .ok_or(JwtError::MissingPublicKey)?;
                let key = DecodingKey::from_rsa_pem(pem)
                    .map_err(|e| JwtError::BadPublicKey(e.to_string()))?;
                (Algorithm::RS256, key)
            }
            other => return Err(JwtError::Algorithm(other.to_owned())),
        };
        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_S;
        validation.validate_nbf = true;
        // The library checks `iss` and `aud` only when the token carries them; a configured
        // issuer or audience must be present, or a token of another issuer's making passes.
        let mut required = vec!["exp"];
        if cfg.issuer.is_empty() {
            validation.iss = None;
        } else {
            validation.set_issuer(&[cfg.issuer.as_str()]);
            required.push("iss");
        }
        if cfg.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&[cfg.audience.as_str()]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        Ok(JwtVerifier {
            key,
            algorithm: if alg == Algorithm::HS256 {
                "HS256"
            } else {
                "RS256"
            },
            validation,
            role_claim: cfg.role_claim.clone(),
            scope_claim: cfg.scope_claim.clone(),
        })
    }

    /// The caller a valid token names; the error says why a token is refused.
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let data = decode::<serde_json::Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| self.refusal(e.kind()))?;
        let claims = data.claims;
        check_iat(claims.get("iat"), crate::shell::now_ms() / 1000)?;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or("token has no `sub` claim")?;
        let id = principal_id(sub)?;
        let role = claims
            .get(&self.role_claim)
            .and_then(Value::as_str)
            .and_then(Role::parse)
            .ok_or_else(|| {
                format!(
                    "token claim `{}` must be one of viewer, operator, department, admin",
                    self.role_claim
                )
            })?;
        let scope = match claims.get(&self.scope_claim) {
            None | Some(Value::Null) => Scope::default(),
            Some(Value::String(s)) => Scope::parse([s.as_str()]).map_err(|e| e.to_string())?,
            Some(Value::Array(items)) => {
                let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                let texts = texts
                    .ok_or_else(|| format!("claim `{}` must hold strings", self.scope_claim))?;
                Scope::parse(texts).map_err(|e| e.to_string())?
            }
            Some(_) => {
                return Err(format!(
                    "claim `{}` must be a string or a list",
                    self.scope_claim
                ))
            }
        };
        Principal::new(id, role, scope)
    }

    /// Why the library refused a token, in words that name the claim or the setting to fix.
    /// The library's own text quotes its internals (serde variants, algorithm lists).
    fn refusal(&self, kind: &ErrorKind) -> String {
        let what = match kind {
            ErrorKind::ExpiredSignature => "it has expired (`exp`)".to_owned(),
            ErrorKind::ImmatureSignature => "it is not valid yet (`nbf`)".to_owned(),
            ErrorKind::InvalidIssuer => "its issuer (`iss`) is not the configured one".to_owned(),
            ErrorKind::InvalidAudience => {
                "its audience (`aud`) is not the configured one".to_owned()
            }
            ErrorKind::MissingRequiredClaim(claim) => {
                format!(
                    "it has no `{}` claim, which is required",
                    truncate(claim, 16)
                )
            }
            ErrorKind::InvalidClaimFormat(claim) => {
                format!("its `{}` claim has the wrong type", truncate(claim, 16))
            }
            ErrorKind::InvalidSignature => "its signature does not verify".to_owned(),
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::UnsupportedAlgorithm => {
                format!("it is not signed with {}", self.algorithm)
            }
            _ => format!("it is not a well-formed JWT signed with {}", self.algorithm),
        };
        format!("token rejected: {what}")
    }
}

/// Seconds of clock skew allowed between the identity provider and this server.
const LEEWAY_S: u64 = 30;

/// Longest `sub` kept as it is in the principal's id (which the audit log records).
const MAX_SUB_CHARS: usize = 64;

/// `iat`, when present, must be a number of seconds not in the future (the library checks
/// `exp` and `nbf` only).
fn check_iat(iat: Option<&Value>, now_s: i64) -> Result<(), String> {
    let Some(iat) = iat else {
        return Ok(());
    };
    let Some(at) = iat.as_f64().filter(|f| f.is_finite()) else {
        return Err("token rejected: its `iat` claim is not a number of seconds".into());
    };
    if at > (now_s + LEEWAY_S as i64) as f64 {
        return Err("token rejected: it was issued in the future (`iat`)".into());
    }
    Ok(())
}

/// `jwt:<sub>`. A longer `sub` keeps its start for the reader and a digest of the whole, so
/// two subjects sharing a prefix never share one principal (and its rate limit and audit
/// trail). Control characters are refused: the id is written to the audit log.
fn principal_id(sub: &str) -> Result<String, String> {
    if sub.is_empty() || sub.chars().any(char::is_control) {
        return Err("token rejected: its `sub` claim is empty or holds control characters".into());
    }
    if sub.chars().count() <= MAX_SUB_CHARS {
        return Ok(format!("jwt:{sub}"));
    }
    let head: String = sub.chars().take(32).collect();
    let digest = super::token::sha256_hex(sub);
    Ok(format!("jwt:{head}…{}", &digest[..32]))
}

fn truncate(s: &str, max: usize) -> String {
    crate::model::truncate(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_subjects_sharing_a_prefix_get_distinct_ids() {
        let a = format!("{}-alice", "x".repeat(64));
        let b = format!("{}-bob", "x".repeat(64));
        let (ia, ib) = (principal_id(&a).expect("a"), principal_id(&b).expect("b"));
        assert_ne!(ia, ib);
        assert!(ia.chars().count() < 80, "{ia}");
        assert_eq!(principal_id("lan").expect("short"), "jwt:lan");
        assert!(principal_id("a\u{1b}[31m").is_err());
    }

    #[test]
    fn iat_in_the_future_is_refused() {
        let now = 1_700_000_000;
        assert!(check_iat(None, now).is_ok());
        assert!(check_iat(Some(&Value::from(now)), now).is_ok());
        assert!(check_iat(Some(&Value::from(now + 3600)), now).is_err());
        assert!(check_iat(Some(&Value::from("yesterday")), now).is_err());
    }
}
