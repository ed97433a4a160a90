//! The access guard, in front of every route: body size, per-IP and per-key rate limits,
//! authentication, and the route's [`Access`] from the route table checked against the
//! caller's role. A route with no entry in the table is refused (fail closed). Handlers read
//! the caller as `web::ReqData<Principal>`.

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, ResponseError};

use super::credentials::{bearer, query_has_token, subprotocol_token};
use super::error::ApiError;
use super::table::{access_of, has_template, STREAM_ROUTE};
use crate::auth::{Access, Auth, AuthError, Principal, RateLimits};

/// What the guard needs: who is who, how fast each may go, and how large a body may be.
pub struct Gate {
    auth: Arc<Auth>,
    limits: Arc<RateLimits>,
    /// Largest request body (`http.max_body_bytes`), refused before it is read.
    max_body_bytes: usize,
}

impl Gate {
    pub fn new(auth: Arc<Auth>, limits: Arc<RateLimits>, max_body_bytes: usize) -> Gate {
        Gate {
            auth,
            limits,
            max_body_bytes,
        }
    }

    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

pub(super) async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match check(&req).await {
        Ok(principal) => {
            if let Some(p) = principal {
                req.extensions_mut().insert(p);
            }
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
}

/// The caller, `None` for public routes (and for a WebSocket that will authenticate in its
/// first message), or why the request is refused.
async fn check(req: &ServiceRequest) -> Result<Option<Principal>, ApiError> {
    let Some(gate) = req.app_data::<web::Data<Gate>>() else {
        return Err(ApiError::Internal("application state missing".into()));
    };
    if let Some(size) = content_length(req) {
        if size > gate.max_body_bytes as u64 {
            return Err(ApiError::PayloadTooLarge {
                max: gate.max_body_bytes,
            });
        }
    }
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        gate.limits
            .check_ip(ip)
            .map_err(|wait| ApiError::RateLimited {
                by: "from this address",
                wait,
            })?;
    }
    let Some(pattern) = req.match_pattern() else {
        return Ok(None); // no such route: the 404 handler answers
    };
    if access_of(req.method(), &pattern).is_none() && has_template(&pattern) {
        return Ok(None); // a method the route does not answer: the 404 handler answers
    }
    let access = access_of(req.method(), &pattern).ok_or_else(|| {
        tracing::error!(route = %pattern, "route has no access policy; refusing");
        ApiError::Forbidden(format!("route {pattern} has no access policy"))
    })?;
    if access == Access::Public {
        return Ok(None);
    }
    if query_has_token(req.query_string()) {
        return Err(ApiError::InvalidQuery(
            "credentials in the URL end up in logs and are not accepted; send `Authorization: \
             Bearer <token>` (WebSocket: the `ioc.bearer.<token>` subprotocol or an auth message)"
                .into(),
        ));
    }
    let token = bearer(req.headers()).or_else(|| {
        (pattern == STREAM_ROUTE)
            .then(|| subprotocol_token(req.headers()))
            .flatten()
    });
    let Some(token) = token else {
        if pattern == STREAM_ROUTE {
            return Ok(None); // the connection asks for an auth message first
        }
        return Err(ApiError::Unauthorized(AuthError::Missing.to_string()));
    };
    // An API key is looked up in SQLite: `check` runs off the executor.
    let principal = gate.auth.check(&token).await.map_err(ApiError::from_auth)?;
    gate.limits
        .check_key(&principal.id)
        .map_err(|wait| ApiError::RateLimited {
            by: "for this key",
            wait,
        })?;
    permit(&principal, access)?;
    Ok(Some(principal))
}

/// Whether `principal` may use a route that needs `access`; the message says what would.
fn permit(principal: &Principal, access: Access) -> Result<(), ApiError> {
    if !principal.role.permits(access) {
        let needs = match access {
            Access::Acknowledge => "the operator or admin role",
            Access::Respond => "the operator, department or admin role",
            Access::Admin => "the admin role",
            Access::Operations => "the viewer, operator or admin role",
            Access::Public | Access::Read => "any role",
        };
        return Err(ApiError::Forbidden(format!(
            "role {} may not do this; it needs {needs}",
            principal.role
        )));
    }
    if access == Access::Operations && !principal.scope.is_unrestricted() {
        return Err(ApiError::Forbidden(
            "this view covers the whole city; a key scoped to part of it may not read it".into(),
        ));
    }
    Ok(())
}

fn content_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
