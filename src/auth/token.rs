//! API key strings: `ioc_<id>_<secret>`. The id (12 hex digits) is public and names the key in
//! lists and the audit log; only the SHA-256 of the secret (192 random bits) is stored, so a
//! leaked database does not leak keys. Random keys need no slow hash: nothing to brute-force.

use sha2::{Digest, Sha256};

const PREFIX: &str = "ioc_";
const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 24;

/// A key as the caller presents it, split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct PresentedKey<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

/// A freshly generated key: the full string (shown once) and what is stored.
pub struct NewKey {
    pub id: String,
    pub token: String,
    pub secret_sha256: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(String);

/// Generates a key from the operating system's random source.
pub fn generate() -> Result<NewKey, RandomError> {
    let mut bytes = [0u8; ID_BYTES + SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    let id = hex(&bytes[..ID_BYTES]);
    let secret = hex(&bytes[ID_BYTES..]);
    Ok(NewKey {
        token: format!("{PREFIX}{id}_{secret}"),
        secret_sha256: sha256_hex(&secret),
        id,
    })
}

/// Splits a presented string into id and secret; `None` if it is not shaped like a key (it
/// may still be a JWT).
pub fn parse(token: &str) -> Option<PresentedKey<'_>> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, n: usize| s.len() == 2 * n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, ID_BYTES) && hex_of(secret, SECRET_BYTES)).then_some(PresentedKey { id, secret })
}

pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares two digests in time independent of where they differ.
pub fn digest_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_verify() {
        let k = generate().expect("key");
        let p = parse(&k.token).expect("key");
        assert_eq!(p.id, k.id);
        assert!(digest_eq(&sha256_hex(p.secret), &k.secret_sha256));
        assert!(
            !k.secret_sha256.contains(p.secret),
            "the secret is not stored"
        );
        assert_ne!(generate().expect("key").token, k.token);
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "ioc_",
            "ioc_abc_def",
            "eyJhbGciOi.x.y",
            "ioc_zzzzzzzzzzzz_00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn digest_comparison() {
        assert!(digest_eq("abcd", "abcd"));
        assert!(!digest_eq("abcd", "abce"));
        assert!(!digest_eq("abcd", "abc"));
    }
}
