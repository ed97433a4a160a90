//! `GET /api/v1/stream`: the WebSocket upgrade; the connection itself is `push::serve_connection`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use crate::auth::{Auth, Principal};
use crate::push::{GateState, GatedPayload, Push, Slot};
use crate::serve::credentials::{bearer, subprotocol_token, PROTOCOL};
use crate::serve::error::ApiError;

/// Admits the connection, completes the handshake and runs the connection on this worker.
/// The caller comes from the guard when the upgrade carried a credential, and takes a seat of
/// `push.max_connections`; otherwise the connection asks for an `auth` message and waits in
/// the smaller pending budget (`push.max_pending`, per address `push.max_pending_per_ip`).
/// The `ioc.v1` subprotocol is selected when offered, so a browser offering
/// `["ioc.v1", "ioc.bearer.<token>"]` never sees its token echoed.
pub(crate) async fn stream(
    req: HttpRequest,
    body: web::Payload,
    push: web::Data<Push>,
    auth: web::Data<Auth>,
    principal: Option<web::ReqData<Principal>>,
) -> Result<HttpResponse, ApiError> {
    let push = push.into_inner();
    let slot = match &principal {
        Some(_) => Slot::Admitted(
            push.admit()
                .ok_or(ApiError::TooManyConnections(push.max_connections()))?,
        ),
        None => {
            // Unknown only off a socket (tests); those share one budget.
            let ip = req
                .peer_addr()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
            let pending = push
                .admit_pending(ip)
                .map_err(|full| ApiError::TooManyPending(full.message()))?;
            Slot::Pending(pending)
        }
    };
    let body = gated(&req, body, &push, principal.is_some()).await?;
    let gate = body.1;
    let (response, session, messages) = actix_ws::handle_with_protocols(&req, body.0, &[PROTOCOL])
        .map_err(|e| ApiError::WebSocketRequired(e.to_string()))?;
    let token = principal
        .as_ref()
        .and_then(|_| bearer(req.headers()).or_else(|| subprotocol_token(req.headers())));
    let authn = crate::push::Authn {
        principal: principal.map(|p| p.into_inner()),
        token,
        auth: auth.into_inner(),
    };
    actix_web::rt::spawn(crate::push::serve_connection(
        slot, session, messages, authn, gate,
    ));
    Ok(response)
}

/// The body read through the frame gate, which refuses a frame on its declared length before
/// actix-ws buffers it.
async fn gated(
    req: &HttpRequest,
    body: web::Payload,
    push: &Push,
    authenticated: bool,
) -> Result<(web::Payload, Arc<GateState>), ApiError> {
    let state = Arc::new(GateState::default());
    if authenticated {
        state.authenticate();
    }
    let mut raw = GatedPayload::new(body, push.gate_limits(), state.clone()).into_payload();
    let body = web::Payload::from_request(req, &mut raw)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((body, state))
}
