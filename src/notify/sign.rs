//! The webhook's signature: `X-IOC-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`
//! with the shared secret, `X-IOC-Timestamp` the unix seconds it was made. Pure.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The hex HMAC-SHA256 of `"{timestamp_s}.{body}"` keyed with `secret`.
pub fn sign(secret: &[u8], timestamp_s: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `X-IOC-Signature` header's value.
pub fn signature_header(secret: &[u8], timestamp_s: i64, body: &[u8]) -> String {
    format!("sha256={}", sign(secret, timestamp_s, body))
}
