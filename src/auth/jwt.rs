//! Optional JWT validation for a province's single sign-on: HS256 with a shared secret or
//! RS256 with the identity provider's public key. The role and scope come from configurable
//! claims; `exp` is required, `iss` and `aud` are checked when configured.

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
        validation.leeway = 30;
        if cfg.issuer.is_empty() {
            validation.iss = None;
        } else {
            validation.set_issuer(&[cfg.issuer.as_str()]);
        }
        if cfg.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&[cfg.audience.as_str()]);
        }
        Ok(JwtVerifier {
            key,
            validation,
            role_claim: cfg.role_claim.clone(),
            scope_claim: cfg.scope_claim.clone(),
        })
    }

    /// The caller a valid token names; the error says why a token is refused.
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let data = decode::<serde_json::Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| format!("token rejected: {e}"))?;
        let claims = data.claims;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or("token has no `sub` claim")?;
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
        Principal::new(
            format!("jwt:{}", crate::model::truncate(sub, 64)),
            role,
            scope,
        )
    }
}
