//! How a channel's messages leave: a signed POST to the webhook, an email over SMTP, or a short
//! message through a provider's API.

use std::time::Duration;

use super::deliver::Outgoing;
use super::email::Email;
use super::signature_header;

pub enum Transport {
    Webhook(Webhook),
    /// Boxed: the SMTP transport is several times a webhook's size.
    Email(Box<Email>),
    Messaging(Box<super::Messaging>),
}

impl Transport {
    /// The channel's name: the outbox's and the metrics' `channel`.
    pub fn channel(&self) -> &str {
        match self {
            Transport::Webhook(_) => "webhook",
            Transport::Email(_) => "email",
            Transport::Messaging(m) => m.name(),
        }
    }

    pub(super) async fn send(&self, out: &Outgoing, now_ms: i64) -> Result<(), String> {
        match self {
            Transport::Webhook(w) => w.send(out, now_ms).await,
            Transport::Email(e) => e.send(out).await,
            Transport::Messaging(m) => m.send(out).await,
        }
    }
}

/// `notify.webhook_url`, signed with the secret.
pub struct Webhook {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
}

impl Webhook {
    pub fn new(url: &str, secret: Vec<u8>, timeout: Duration) -> Result<Webhook, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Webhook {
            client,
            url: url.trim().to_owned(),
            secret,
        })
    }

    async fn send(&self, out: &Outgoing, now_ms: i64) -> Result<(), String> {
        let body = out.body.to_string().into_bytes();
        let ts = now_ms.div_euclid(1000);
        let sent = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-IOC-Event", out.event.as_str())
            .header("X-IOC-Delivery", out.id.as_str())
            .header("X-IOC-Timestamp", ts.to_string())
            .header("X-IOC-Signature", signature_header(&self.secret, ts, &body))
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("the webhook answered {}", r.status())),
            Err(e) => Err(format!(
                "the webhook could not be reached: {}",
                e.without_url()
            )),
        }
    }
}
