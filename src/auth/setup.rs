//! Startup: the key store, the JWT verifier, and the secure-by-default rule for the listen
//! address; the periodic pruning of rate-limit buckets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Auth, AuthError, AuthSettings, JwtConfig, JwtError, JwtVerifier, KeyRepo, RateLimits};
use crate::model::City;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Jwt(#[from] JwtError),
    #[error("cannot read auth.jwt_public_key_path {path}: {cause}")]
    JwtKey { path: String, cause: std::io::Error },
    #[error(
        "refusing to listen on {0} without authentication: no API key exists and no JWT \
         verification is configured. Create a key first (`ioc keys create --role admin`), or set \
         auth.jwt_algorithm, or listen on 127.0.0.1 (http.listen)"
    )]
    Unprotected(SocketAddr),
    #[error("a startup task failed: {0}")]
    Task(String),
}

/// Builds [`Auth`] on the key store `repo` (the store's, opened by the caller) and the JWT
/// verifier. Refuses a non-loopback `listen` (`http.listen`) when nobody could authenticate;
/// on loopback in that case, makes a one-run admin token (returned).
pub async fn open(
    settings: &AuthSettings,
    repo: impl KeyRepo,
    listen: SocketAddr,
    city: Arc<City>,
) -> Result<(Arc<Auth>, Option<String>), SetupError> {
    let jwt = jwt_verifier(settings)?;
    // Counting the keys reads the database: off the async executor.
    let (mut auth, configured) = tokio::task::spawn_blocking(move || {
        let auth = Auth::new(repo, jwt, city);
        let configured = auth.configured();
        (auth, configured)
    })
    .await
    .map_err(|e| SetupError::Task(e.to_string()))?;
    let bootstrap = if configured? {
        None
    } else if listen.ip().is_loopback() {
        Some(auth.make_bootstrap_token()?)
    } else {
        return Err(SetupError::Unprotected(listen));
    };
    Ok((Arc::new(auth), bootstrap))
}

fn jwt_verifier(a: &AuthSettings) -> Result<Option<JwtVerifier>, SetupError> {
    if !a.jwt_enabled() {
        return Ok(None);
    }
    let pem = match a.jwt_public_key_path.trim() {
        "" => None,
        path => Some(std::fs::read(path).map_err(|cause| SetupError::JwtKey {
            path: path.to_owned(),
            cause,
        })?),
    };
    Ok(Some(JwtVerifier::new(&JwtConfig {
        algorithm: a.jwt_algorithm.trim().to_owned(),
        secret: a.jwt_secret.clone(),
        public_key_pem: pem,
        issuer: a.jwt_issuer.clone(),
        audience: a.jwt_audience.clone(),
        role_claim: a.jwt_role_claim.clone(),
        scope_claim: a.jwt_scope_claim.clone(),
    })?))
}

/// Forgets idle rate-limit buckets once a minute, until shutdown.
pub fn spawn_pruner(limits: Arc<RateLimits>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => limits.prune(),
            }
        }
    });
}
