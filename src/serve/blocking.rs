//! Handlers reach SQLite (keys, audit log, alert history) through services that hold a std
//! `Mutex`; [`blocking`] runs that work on actix's blocking pool so a slow disk never stalls
//! the worker's other requests.

use actix_web::web;

use super::error::ApiError;

/// Runs `work` off the async executor and returns its result; a panic in it is an `internal`
/// error.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    web::block(work).await.map_err(ApiError::from_blocking)?
}
