//! `[notify]`: where alert changes are delivered.

use serde::Deserialize;

use crate::setting::Invalid;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// Every alert change people are told of is POSTed here; empty: no notifications.
    pub webhook_url: String,
    /// The HMAC key of the signature; required with a URL.
    pub webhook_secret: String,
    /// A file holding the key instead (its trailing newline dropped).
    pub webhook_secret_file: String,
    pub timeout_s: u64,
    /// Retries of a failed delivery wait this long, doubling up to `retry_max_s`.
    pub retry_initial_s: u64,
    pub retry_max_s: u64,
    /// Delivered rows are kept this long (for inspection), then deleted.
    pub keep_delivered_days: u32,
    /// An alert still firing unacknowledged this long after it fired is told again as
    /// `alert.escalated`; 0: never.
    pub escalate_after_s: u64,
    /// Messages a minute at most: beyond, what is due leaves as one `alert.digest`.
    pub max_per_minute: u32,
    /// The SMTP server of the email channel; empty: no email.
    pub email_smtp_url: String,
    pub email_from: String,
    /// The recipients.
    pub email_to: Vec<String>,
    /// Which channels each change goes to; none: every channel.
    pub routes: Vec<super::Route>,
    /// Short messages through a provider's API (Telegram, Zalo, SMS), one channel each.
    pub messaging: Vec<super::MessagingSettings>,
    /// `HH:MM-HH:MM` of the city's local time; empty: never quiet.
    pub quiet_hours: String,
    /// The channels that keep quiet; empty: every channel.
    pub quiet_channels: Vec<String>,
    /// What still goes out in quiet hours: this severity and above.
    pub quiet_min_severity: String,
}

impl NotifySettings {
    /// True when some channel is configured.
    pub fn enabled(&self) -> bool {
        !self.channels().is_empty()
    }

    pub fn webhook(&self) -> bool {
        !self.webhook_url.trim().is_empty()
    }

    pub fn email(&self) -> bool {
        !self.email_smtp_url.trim().is_empty()
    }

    /// The configured channels, as the outbox names them.
    pub fn channels(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.webhook() {
            out.push("webhook".to_owned());
        }
        if self.email() {
            out.push("email".to_owned());
        }
        out.extend(self.messaging.iter().map(|m| m.name.clone()));
        out
    }

    /// The quiet hours in `zone`, when configured (validated first).
    pub fn quiet(&self, zone: &crate::model::Zone) -> Option<super::Quiet> {
        let window = super::parse_window(self.quiet_hours.trim()).ok()?;
        let least = crate::alerts::Severity::parse(&self.quiet_min_severity)?;
        Some(super::Quiet::new(
            window,
            self.quiet_channels.clone(),
            least,
            zone.clone(),
        ))
    }

    fn validate_quiet(&self) -> Result<(), Invalid> {
        for m in &self.messaging {
            m.validate()?;
        }
        let names = self.channels();
        if let Some(n) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
            .map(|(_, n)| n)
        {
            return Err(Invalid::new(
                "notify.messaging[].name",
                n,
                "a name no other channel has",
            ));
        }
        if self.quiet_hours.trim().is_empty() {
            return Ok(());
        }
        super::parse_window(self.quiet_hours.trim())
            .map_err(|why| Invalid::new("notify.quiet_hours", &self.quiet_hours, why))?;
        if crate::alerts::Severity::parse(&self.quiet_min_severity).is_none() {
            return Err(Invalid::new(
                "notify.quiet_min_severity",
                &self.quiet_min_severity,
                "warning, minor, major or critical",
            ));
        }
        if let Some(c) = self.quiet_channels.iter().find(|c| !names.contains(c)) {
            return Err(Invalid::new(
                "notify.quiet_channels",
                c,
                format!("a configured channel: {}", names.join(", ")),
            ));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.email() && (self.email_from.trim().is_empty() || self.email_to.is_empty()) {
            return Err(Invalid::new(
                "notify.email_from / notify.email_to",
                "(empty)",
                "a sender and at least one recipient with notify.email_smtp_url",
            ));
        }
        self.validate_webhook()?;
        self.validate_quiet()?;
        super::routes::validate(&self.routes, &self.channels())?;
        if self.max_per_minute == 0 {
            return Err(Invalid::new("notify.max_per_minute", 0, "at least 1"));
        }
        if self.timeout_s == 0
            || self.retry_initial_s == 0
            || self.retry_max_s < self.retry_initial_s
        {
            return Err(Invalid::new(
                "notify.timeout_s / retry_initial_s / retry_max_s",
                format!(
                    "{} / {} / {}",
                    self.timeout_s, self.retry_initial_s, self.retry_max_s
                ),
                "at least 1 s each, and retry_max_s ≥ retry_initial_s",
            ));
        }
        Ok(())
    }

    fn validate_webhook(&self) -> Result<(), Invalid> {
        let url = self.webhook_url.trim();
        if url.is_empty() {
            return Ok(());
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Invalid::new(
                "notify.webhook_url",
                url,
                "an http:// or https:// URL",
            ));
        }
        if self.webhook_secret.is_empty() && self.webhook_secret_file.trim().is_empty() {
            return Err(Invalid::new(
                "notify.webhook_secret",
                "(empty)",
                "a secret (IOC__NOTIFY__WEBHOOK_SECRET) or notify.webhook_secret_file: every delivery is signed",
            ));
        }
        Ok(())
    }

    /// The routes over the configured channels.
    pub fn routes(&self) -> super::Routes {
        super::Routes::new(self.routes.clone(), self.channels())
    }

    /// The secret: the setting, or the file's contents.
    pub fn secret(&self) -> std::io::Result<Vec<u8>> {
        match self.webhook_secret_file.trim() {
            "" => Ok(self.webhook_secret.clone().into_bytes()),
            path => Ok(std::fs::read_to_string(path)?
                .trim_end()
                .as_bytes()
                .to_vec()),
        }
    }
}

/// Never shows the secret (settings are printed in errors and debug logs).
impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret",
                &if self.webhook_secret.is_empty() {
                    ""
                } else {
                    "(set)"
                },
            )
            .field("webhook_secret_file", &self.webhook_secret_file)
            .field("timeout_s", &self.timeout_s)
            .field("retry_initial_s", &self.retry_initial_s)
            .field("retry_max_s", &self.retry_max_s)
            .field("keep_delivered_days", &self.keep_delivered_days)
            .field("escalate_after_s", &self.escalate_after_s)
            .field("max_per_minute", &self.max_per_minute)
            .field("email_smtp_url", &if self.email() { "(set)" } else { "" })
            .field("email_from", &self.email_from)
            .field("email_to", &self.email_to)
            .field("routes", &self.routes)
            .field(
                "messaging",
                &self
                    .messaging
                    .iter()
                    .map(|m| (&m.name, &m.preset))
                    .collect::<Vec<_>>(),
            )
            .field("quiet_hours", &self.quiet_hours)
            .field("quiet_channels", &self.quiet_channels)
            .field("quiet_min_severity", &self.quiet_min_severity)
            .finish()
    }
}
