//! Where a request carries its credential: the `Authorization: Bearer` header, or, for the
//! WebSocket upgrade, the `ioc.bearer.<token>` subprotocol (browsers cannot set headers on a
//! WebSocket). Shared by the guard and the stream route, so neither imports the other.

use actix_web::http::header::{self, HeaderMap};

/// The WebSocket subprotocol a client offers with its token: `ioc.bearer.<token>`, next to
/// [`PROTOCOL`], which the server selects (so the token is never echoed back).
pub const TOKEN_PROTOCOL_PREFIX: &str = "ioc.bearer.";
pub const PROTOCOL: &str = "ioc.v1";

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The token offered as `ioc.bearer.<token>` in `Sec-WebSocket-Protocol`.
pub(crate) fn subprotocol_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            p.trim()
                .strip_prefix(TOKEN_PROTOCOL_PREFIX)
                .map(str::to_owned)
        })
}

/// Whether the query string names a credential (refused: URLs end up in logs).
pub(crate) fn query_has_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or("");
        matches!(key, "access_token" | "token" | "api_key" | "key")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_the_query_are_spotted() {
        assert!(query_has_token("access_token=x"));
        assert!(query_has_token("a=1&token=x"));
        assert!(!query_has_token("tokens=1&domain=traffic"));
        assert!(!query_has_token(""));
    }
}
