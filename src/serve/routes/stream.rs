//! `GET /api/v1/stream`: the WebSocket upgrade; the connection itself is `push::serve_connection`.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{Auth, Principal};
use crate::push::Push;
use crate::serve::credentials::{bearer, subprotocol_token, PROTOCOL};
use crate::serve::error::ApiError;

/// Admits the connection (within `push.max_connections`), completes the handshake and runs the
/// connection on this worker.
/// The caller comes from the guard when the upgrade carried a credential; otherwise the
/// connection asks for an `auth` message. The `ioc.v1` subprotocol is selected when offered,
/// so a browser offering `["ioc.v1", "ioc.bearer.<token>"]` never sees its token echoed.
pub(crate) async fn stream(
    req: HttpRequest,
    body: web::Payload,
    push: web::Data<Push>,
    auth: web::Data<Auth>,
    principal: Option<web::ReqData<Principal>>,
) -> Result<HttpResponse, ApiError> {
    let push = push.into_inner();
    let admitted = push
        .admit()
        .ok_or(ApiError::TooManyConnections(push.max_connections()))?;
    let (response, session, messages) = actix_ws::handle_with_protocols(&req, body, &[PROTOCOL])
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
        admitted, session, messages, authn,
    ));
    Ok(response)
}
