//! `[auth]`: optional JWT verification (API keys need no settings).

use serde::Deserialize;

use crate::setting::Invalid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_algorithm: String,
    pub jwt_secret: String,
    pub jwt_public_key_path: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwt_role_claim: String,
    pub jwt_scope_claim: String,
}

impl AuthSettings {
    pub fn jwt_enabled(&self) -> bool {
        !self.jwt_algorithm.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        match self.jwt_algorithm.trim() {
            "" => Ok(()),
            "HS256" if self.jwt_secret.len() < 32 => Err(Invalid::new(
                "auth.jwt_secret",
                format!("({} bytes)", self.jwt_secret.len()),
                "HS256 needs a shared secret of at least 32 bytes (set IOC__AUTH__JWT_SECRET)",
            )),
            "RS256" if self.jwt_public_key_path.trim().is_empty() => Err(Invalid::new(
                "auth.jwt_public_key_path",
                "\"\"",
                "RS256 needs the identity provider's RSA public key (PEM file)",
            )),
            "HS256" | "RS256"
                if self.jwt_role_claim.is_empty() || self.jwt_scope_claim.is_empty() =>
            {
                Err(Invalid::new(
                    "auth.jwt_role_claim",
                    format!("{:?}", self.jwt_role_claim),
                    "claim names must not be empty",
                ))
            }
            "HS256" | "RS256" => Ok(()),
            other => Err(Invalid::new(
                "auth.jwt_algorithm",
                format!("{other:?}"),
                "\"\" (off), \"HS256\" or \"RS256\"",
            )),
        }
    }
}
