//! `GET /api/v1/stream`: the WebSocket upgrade; the connection itself is `push::serve_connection`.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::serve::{ApiError, AppState};

/// Admits the connection (within `push.max_connections`), completes the handshake and runs the
/// connection on this worker.
pub(super) async fn stream(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let push = state.push.clone();
    let admitted = push
        .admit()
        .ok_or(ApiError::TooManyConnections(push.max_connections()))?;
    let (response, session, messages) =
        actix_ws::handle(&req, body).map_err(|e| ApiError::WebSocketRequired(e.to_string()))?;
    actix_web::rt::spawn(crate::push::serve_connection(admitted, session, messages));
    Ok(response)
}
