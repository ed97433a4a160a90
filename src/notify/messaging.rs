//! Short messages through a provider's HTTP API, as templated webhooks (`[[notify.messaging]]`):
//! Telegram's `sendMessage`, a Zalo Official Account's customer-service message, an SMS
//! gateway, or any JSON API (`custom`). The text is the email's, in Vietnamese and English,
//! cut to `max_chars`. The provider's token comes from an environment variable or a file and
//! is never logged (errors leave the URL out, since a Telegram URL holds the token).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::deliver::Outgoing;
use crate::setting::Invalid;

/// One messaging channel, as configured.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagingSettings {
    /// The channel's name: what routes and the outbox call it.
    pub name: String,
    /// `telegram`, `zalo`, `sms` or `custom`.
    pub preset: String,
    /// The API's URL; `telegram` and `zalo` have a default. `{{token}}` is replaced.
    #[serde(default)]
    pub url: String,
    /// The chat id (Telegram), the follower's user id (Zalo), or the phone numbers separated by
    /// commas (SMS).
    #[serde(default)]
    pub to: String,
    /// The environment variable holding the token.
    #[serde(default)]
    pub token_env: String,
    /// Or a file holding it (its trailing newline dropped).
    #[serde(default)]
    pub token_file: String,
    /// `custom`: the JSON body, with `{{text}}`, `{{to}}`, `{{to_list}}`, `{{event}}` and
    /// `{{id}}` replaced by JSON values.
    #[serde(default)]
    pub body: String,
    /// Extra headers; `{{token}}` is replaced in their values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The longest text sent, in characters (an SMS of Vietnamese text is 70 a segment).
    #[serde(default = "max_chars")]
    pub max_chars: usize,
}

fn max_chars() -> usize {
    1000
}

/// A preset: its default URL, its body template and its headers.
type Preset = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// What each preset sends, and where by default.
fn preset(name: &str) -> Option<Preset> {
    match name {
        "telegram" => Some((
            "https://api.telegram.org/bot{{token}}/sendMessage",
            r#"{"chat_id": {{to}}, "text": {{text}}, "disable_web_page_preview": true}"#,
            &[],
        )),
        "zalo" => Some((
            "https://openapi.zalo.me/v3.0/oa/message/cs",
            r#"{"recipient": {"user_id": {{to}}}, "message": {"text": {{text}}}}"#,
            &[("access_token", "{{token}}")],
        )),
        "sms" => Some((
            "",
            r#"{"to": {{to_list}}, "text": {{text}}, "ref": {{id}}}"#,
            &[("Authorization", "Bearer {{token}}")],
        )),
        "custom" => Some(("", "", &[])),
        _ => None,
    }
}

impl MessagingSettings {
    fn key(&self, k: &str) -> String {
        format!("notify.messaging[{}].{k}", self.name)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if !crate::model::is_valid_id(&self.name)
            || matches!(self.name.as_str(), "webhook" | "email")
        {
            return Err(Invalid::new(
                "notify.messaging[].name",
                &self.name,
                "1 to 64 of a-z 0-9 - _ ., not webhook or email",
            ));
        }
        let Some((url, body, _)) = preset(&self.preset) else {
            return Err(Invalid::new(
                &self.key("preset"),
                &self.preset,
                "telegram, zalo, sms or custom",
            ));
        };
        let url = if self.url.trim().is_empty() {
            url
        } else {
            self.url.trim()
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Invalid::new(
                &self.key("url"),
                url,
                "the provider's http(s) URL",
            ));
        }
        if self.to.trim().is_empty() && self.preset != "custom" {
            return Err(Invalid::new(
                &self.key("to"),
                "(empty)",
                "a chat id, a user id or phone numbers",
            ));
        }
        if body.is_empty() && self.body.trim().is_empty() {
            return Err(Invalid::new(
                &self.key("body"),
                "(empty)",
                "the JSON body, with {{text}} where the message goes",
            ));
        }
        if !(20..=4096).contains(&self.max_chars) {
            return Err(Invalid::new(
                &self.key("max_chars"),
                self.max_chars,
                "20 to 4096",
            ));
        }
        Ok(())
    }
}

/// A messaging channel ready to send.
pub struct Messaging {
    name: String,
    client: reqwest::Client,
    url: String,
    to: String,
    body: String,
    headers: Vec<(String, String)>,
    max_chars: usize,
    /// The SMS preset sends the one-line summary only.
    short: bool,
}

impl Messaging {
    /// Reads the token and fills the preset's defaults.
    pub fn new(s: &MessagingSettings, timeout: Duration) -> Result<Messaging, String> {
        let (url, body, headers) =
            preset(&s.preset).ok_or_else(|| format!("{}: unknown preset", s.key("preset")))?;
        let token = token(s)?;
        let fill = |t: &str| t.replace("{{token}}", &token);
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), fill(v)))
            .collect();
        all.extend(s.headers.iter().map(|(k, v)| (k.clone(), fill(v))));
        if token.is_empty() {
            all.retain(|(_, v)| !v.trim().is_empty() && v.trim() != "Bearer");
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Messaging {
            name: s.name.clone(),
            client,
            url: fill(if s.url.trim().is_empty() {
                url
            } else {
                s.url.trim()
            }),
            to: s.to.trim().to_owned(),
            body: if s.body.trim().is_empty() {
                body.to_owned()
            } else {
                s.body.clone()
            },
            headers: all,
            max_chars: s.max_chars,
            short: s.preset == "sms",
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) async fn send(&self, out: &Outgoing) -> Result<(), String> {
        let body = self.render(out);
        let mut req = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json");
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let answer = req
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{} could not be reached: {}", self.name, e.without_url()))?;
        let status = answer.status();
        let reply: Value = answer.json().await.unwrap_or(Value::Null);
        refused(&reply).map_or(Ok(()), Err).and_then(|()| {
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("{} answered {status}", self.name))
            }
        })
    }

    /// The request body for `out`.
    pub fn render(&self, out: &Outgoing) -> String {
        let (subject, text) = super::render(&out.body);
        let message = if self.short {
            subject
        } else {
            format!("{subject}\n\n{text}")
        };
        let json = |v: &str| Value::from(v).to_string();
        let list: Vec<&str> = self
            .to
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        self.body
            .replace("{{text}}", &json(&cut(&message, self.max_chars)))
            .replace(
                "{{to_list}}",
                &serde_json::to_string(&list).unwrap_or_default(),
            )
            .replace("{{to}}", &json(&self.to))
            .replace("{{event}}", &json(&out.event))
            .replace("{{id}}", &json(&out.id))
    }
}

/// A provider that answers 200 with a refusal in its body: Telegram's `"ok": false`, Zalo's
/// non-zero `"error"`.
fn refused(reply: &Value) -> Option<String> {
    if reply["ok"] == Value::Bool(false) {
        return Some(format!(
            "refused: {}",
            reply["description"].as_str().unwrap_or("ok = false")
        ));
    }
    match reply["error"].as_i64() {
        Some(code) if code != 0 => Some(format!(
            "refused: error {code} {}",
            reply["message"].as_str().unwrap_or_default()
        )),
        _ => None,
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn token(s: &MessagingSettings) -> Result<String, String> {
    if !s.token_file.trim().is_empty() {
        return std::fs::read_to_string(s.token_file.trim())
            .map(|t| t.trim_end().to_owned())
            .map_err(|e| format!("{} {:?}: {e}", s.key("token_file"), s.token_file));
    }
    if s.token_env.trim().is_empty() {
        return Ok(String::new());
    }
    std::env::var(s.token_env.trim()).map_err(|_| {
        format!(
            "{}: the environment variable {} is not set",
            s.key("token_env"),
            s.token_env.trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(preset: &str) -> MessagingSettings {
        MessagingSettings {
            name: "chat".into(),
            preset: preset.into(),
            url: String::new(),
            to: "-100123".into(),
            token_env: String::new(),
            token_file: String::new(),
            body: String::new(),
            headers: BTreeMap::new(),
            max_chars: 60,
        }
    }

    fn outgoing() -> Outgoing {
        let body = serde_json::json!({"event": "alert.firing", "id": "alert-1-firing-5",
            "alert": {"title": "Mực nước vượt báo động III", "subject": "sensor:wl-0007", "severity": "critical"}});
        Outgoing::for_test("alert.firing", "alert-1-firing-5", body)
    }

    #[test]
    fn a_telegram_message_is_json_with_the_chat_and_the_cut_text() {
        let m = Messaging::new(&settings("telegram"), Duration::from_secs(1)).expect("channel");
        let v: Value = serde_json::from_str(&m.render(&outgoing())).expect("JSON body");
        assert_eq!(v["chat_id"], "-100123");
        let text = v["text"].as_str().expect("text");
        assert!(
            text.starts_with("[IOC] Cảnh báo mới / Alert firing: Mực nước"),
            "{text}"
        );
        assert_eq!(text.chars().count(), 60);
        assert!(m.url.starts_with("https://api.telegram.org/bot"));
    }

    #[test]
    fn an_sms_lists_the_numbers_and_a_zalo_message_its_user() {
        let mut s = settings("sms");
        s.url = "https://sms.example.vn/send".into();
        s.to = "0905111222, 0905333444".into();
        let m = Messaging::new(&s, Duration::from_secs(1)).expect("sms");
        let v: Value = serde_json::from_str(&m.render(&outgoing())).expect("JSON");
        assert_eq!(v["to"], serde_json::json!(["0905111222", "0905333444"]));
        assert!(
            !v["text"].as_str().unwrap_or_default().contains('\n'),
            "one line"
        );
        let z = Messaging::new(&settings("zalo"), Duration::from_secs(1)).expect("zalo");
        let v: Value = serde_json::from_str(&z.render(&outgoing())).expect("JSON");
        assert_eq!(v["recipient"]["user_id"], "-100123");
    }

    #[test]
    fn refusals_in_a_200_are_failures_and_bad_settings_say_why() {
        assert!(
            refused(&serde_json::json!({"ok": false, "description": "chat not found"})).is_some()
        );
        assert!(
            refused(&serde_json::json!({"error": -216, "message": "Access token is invalid"}))
                .is_some()
        );
        assert!(refused(&serde_json::json!({"ok": true})).is_none());
        assert!(refused(&serde_json::json!({"error": 0})).is_none());
        let mut s = settings("pager");
        assert!(s.validate().is_err());
        s.preset = "sms".into();
        assert!(s
            .validate()
            .expect_err("no URL")
            .to_string()
            .contains("url"));
        s.preset = "telegram".into();
        s.name = "email".into();
        assert!(s.validate().is_err(), "the name of another channel");
        let mut env = settings("telegram");
        env.token_env = "IOC_TEST_SURELY_UNSET_TOKEN".into();
        let e = Messaging::new(&env, Duration::from_secs(1))
            .err()
            .expect("unset token");
        assert!(e.contains("IOC_TEST_SURELY_UNSET_TOKEN"), "{e}");
    }
}
