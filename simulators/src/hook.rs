//! `ioc-sim hook`: a webhook receiver for ioc's notifications, for engineers and the demo.
//! It takes POSTs on any path, checks `X-IOC-Signature` (HMAC-SHA256 of
//! `"{X-IOC-Timestamp}.{body}"` with the shared secret, compared in constant time; timestamps
//! more than five minutes off this clock are refused) and prints one line per delivery:
//! 200 when the signature holds, 401 and a warning when it does not.
//!
//! The checks and the line are pure ([`verify`], [`summary`]); the HTTP shell is actix-web,
//! which ioc already builds.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

/// Timestamps further than this from our clock are refused (replays, a wrong clock).
pub const MAX_SKEW_S: i64 = 300;

/// Largest body accepted; a digest of hundreds of alerts fits.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Why a delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no {0} header")]
    Missing(&'static str),
    #[error("X-IOC-Timestamp {0:?} is not unix seconds")]
    BadTimestamp(String),
    #[error("X-IOC-Timestamp is {0} s off this clock (at most {MAX_SKEW_S} s)")]
    Skew(i64),
    #[error("X-IOC-Signature is not sha256=<64 hex digits>")]
    BadFormat,
    #[error("X-IOC-Signature does not match: another secret, or the body was changed")]
    Mismatch,
}

/// Checks a delivery's signature headers against `secret` at `now_s` (unix seconds).
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_s: i64,
) -> Result<(), Refusal> {
    let timestamp = timestamp.ok_or(Refusal::Missing("X-IOC-Timestamp"))?.trim();
    let signature = signature.ok_or(Refusal::Missing("X-IOC-Signature"))?.trim();
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| Refusal::BadTimestamp(timestamp.chars().take(40).collect()))?;
    let skew = now_s.saturating_sub(ts);
    if skew.abs() > MAX_SKEW_S {
        return Err(Refusal::Skew(skew));
    }
    let digest = signature
        .strip_prefix("sha256=")
        .and_then(hex)
        .ok_or(Refusal::BadFormat)?;
    // HMAC takes a key of any length: `new_from_slice` does not fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| Refusal::Mismatch)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&digest).map_err(|_| Refusal::Mismatch)
}

/// 64 hex digits → 32 bytes.
fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..32)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// What a delivery is about, one line: `event id summary`, where the summary is the
/// alert's title, severity and district, the incident's title and status, or "digest of N".
pub fn summary(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return format!("(not JSON, {} bytes)", body.len());
    };
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("?").to_owned();
    let event = text(&v, "event");
    let id = text(&v, "id");
    let what = if let Some(items) = v["deliveries"].as_array() {
        let n = v["count"].as_u64().unwrap_or(items.len() as u64);
        format!("digest of {n}")
    } else if let Some(i) = v.get("incident").filter(|i| i.is_object()) {
        let place = i["district"]
            .as_str()
            .map(|d| format!(" · {d}"))
            .unwrap_or_default();
        format!("{} · {}{place}", text(i, "title"), text(i, "status"))
    } else if let Some(a) = v.get("alert").filter(|a| a.is_object()) {
        let place = a["district"]
            .as_str()
            .or(a["subject"].as_str())
            .unwrap_or("city");
        format!("{} · {} · {place}", text(a, "title"), text(a, "severity"))
    } else {
        "(no alert, incident or deliveries)".to_owned()
    };
    format!("{event:<20} {id}  {what}")
}

/// The receiver's state: the secret, where lines go, and its clock.
pub struct Hook {
    pub secret: Vec<u8>,
    /// One call per delivery (accepted: `Ok(line)`, refused: `Err(warning)`).
    pub print: Box<dyn Fn(Result<String, String>) + Send + Sync>,
    /// Unix milliseconds.
    pub clock: fn() -> i64,
}

impl Hook {
    /// Prints accepted deliveries on standard output and refusals on standard error.
    pub fn to_terminal(secret: Vec<u8>) -> Hook {
        Hook {
            secret,
            print: Box::new(|line| match line {
                Ok(l) => println!("{l}"),
                Err(w) => eprintln!("{w}"),
            }),
            clock: crate::pacing::wall_clock_ms,
        }
    }
}

/// The routes: POST on any path is a delivery; anything else 405.
pub fn configure(hook: Arc<Hook>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(hook))
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .default_service(web::route().to(deliver));
    }
}

async fn deliver(req: HttpRequest, body: web::Bytes, hook: web::Data<Hook>) -> HttpResponse {
    if req.method() != actix_web::http::Method::POST {
        return HttpResponse::MethodNotAllowed().body("POST deliveries here\n");
    }
    let header = |k: &str| req.headers().get(k).and_then(|v| v.to_str().ok());
    let now_ms = (hook.clock)();
    let at = ioc::model::Zone::utc().format(now_ms - now_ms.rem_euclid(1000));
    let checked = verify(
        &hook.secret,
        header("X-IOC-Timestamp"),
        header("X-IOC-Signature"),
        &body,
        now_ms.div_euclid(1000),
    );
    match checked {
        Ok(()) => {
            (hook.print)(Ok(format!("{at}  {}", summary(&body))));
            HttpResponse::Ok().finish()
        }
        Err(why) => {
            let from = req.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            let event = header("X-IOC-Event").unwrap_or("?");
            (hook.print)(Err(format!(
                "{at}  REFUSED {event} from {from} on {}: {why} (answered 401)",
                req.path()
            )));
            HttpResponse::Unauthorized().body(format!("{why}\n"))
        }
    }
}

/// Serves `hook` on `listener` until `stop` is cancelled.
pub async fn serve(
    listener: TcpListener,
    hook: Hook,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let hook = Arc::new(hook);
    let server = HttpServer::new(move || App::new().configure(configure(hook.clone())))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(2)
        .listen(listener)?
        .run();
    let handle = server.handle();
    tokio::spawn(async move {
        stop.cancelled().await;
        handle.stop(true).await;
    });
    server.await
}

#[cfg(test)]
mod tests;
