//! The email channel: each message written in Vietnamese and English from the webhook's JSON
//! (`render`, pure), sent over SMTP (STARTTLS or TLS as `notify.email_smtp_url` says).

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;

use super::deliver::Outgoing;

pub struct Email {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Email {
    /// `url`: `smtp://host:25` (plain, a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (TLS).
    pub fn new(url: &str, from: &str, to: &[String]) -> Result<Email, String> {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|e| format!("notify.email_smtp_url: {e}"))?
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("notify.email_from {from:?}: {e}"))?;
        let to = to
            .iter()
            .map(|a| {
                a.trim()
                    .parse()
                    .map_err(|e| format!("notify.email_to {a:?}: {e}"))
            })
            .collect::<Result<Vec<Mailbox>, String>>()?;
        Ok(Email { mailer, from, to })
    }

    pub(super) async fn send(&self, out: &Outgoing) -> Result<(), String> {
        let (subject, text) = render(&out.body);
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message
            .body(text)
            .map_err(|e| format!("the email could not be written: {e}"))?;
        self.mailer
            .send(message)
            .await
            .map(drop)
            .map_err(|e| format!("the SMTP server did not take the email: {e}"))
    }
}

/// What one event is called, in Vietnamese and in English.
fn event_names(event: &str) -> (&'static str, &'static str) {
    match event {
        "alert.firing" => ("Cảnh báo mới", "Alert firing"),
        "alert.acknowledged" => ("Cảnh báo đã được tiếp nhận", "Alert acknowledged"),
        "alert.resolved" => ("Cảnh báo đã kết thúc", "Alert resolved"),
        "alert.escalated" => (
            "Cảnh báo chưa được xử lý",
            "Alert escalated: not acknowledged",
        ),
        "alert.digest" => ("Tổng hợp cảnh báo", "Alert digest"),
        "incident.opened" => ("Sự vụ mới", "Incident opened"),
        "incident.assigned" => ("Sự vụ đã được giao", "Incident assigned"),
        "incident.in_progress" => ("Sự vụ đang xử lý", "Incident in progress"),
        "incident.resolved" => ("Sự vụ đã xử lý xong", "Incident resolved"),
        "incident.closed" => ("Sự vụ đã đóng", "Incident closed"),
        "incident.cancelled" => ("Sự vụ đã hủy", "Incident cancelled"),
        "incident.commented" => ("Ý kiến mới về sự vụ", "Incident comment"),
        "incident.step" => ("Bước quy trình đã cập nhật", "Procedure step updated"),
        "incident.linked" => ("Sự vụ có thêm liên kết", "Incident linked"),
        "incident.sla_breached" => ("Sự vụ quá hạn xử lý", "Incident past its service level"),
        _ => ("Thông báo", "Notification"),
    }
}

/// The subject and the text of the email for a webhook body.
pub fn render(body: &Value) -> (String, String) {
    let event = body["event"].as_str().unwrap_or_default();
    let (vi, en) = event_names(event);
    if let Some(items) = body["deliveries"].as_array() {
        let n = items.len();
        let lines: Vec<String> = items
            .iter()
            .map(|d| {
                let (dvi, den) = event_names(d["event"].as_str().unwrap_or_default());
                let object = d.get("incident").unwrap_or(&d["alert"]);
                format!("- {dvi} / {den}: {}", summary(object))
            })
            .collect();
        let subject = format!("[IOC] {vi}: {n} / {en}: {n}");
        let text = format!("{vi} ({n}) / {en} ({n})\n\n{}\n", lines.join("\n"));
        return (subject, text);
    }
    if let Some(incident) = body.get("incident") {
        return incident_text(vi, en, incident, body);
    }
    let alert = &body["alert"];
    let subject = format!("[IOC] {vi} / {en}: {}", summary(alert));
    let field = |k: &str| alert[k].as_str().unwrap_or("—").to_owned();
    let text = format!(
        "{vi}\n\
         Nội dung: {title}\nMức độ: {severity}\nĐối tượng: {subject}\nKhu vực: {district}\nGiá trị: {value}\n\n\
         {en}\n\
         Alert: {title}\nSeverity: {severity}\nSubject: {subject}\nDistrict: {district}\nValue: {value}\n\n\
         Mã cảnh báo / Alert id: {id} · Mã thông báo / Delivery id: {delivery}\n",
        title = field("title"),
        severity = field("severity"),
        subject = field("subject"),
        district = field("district"),
        value = alert["value"],
        id = alert["id"],
        delivery = body["id"].as_str().unwrap_or_default(),
    );
    (subject, text)
}

fn summary(object: &Value) -> String {
    let about = object["subject"].as_str().or(object["district"].as_str());
    format!(
        "{} ({}, {})",
        object["title"].as_str().unwrap_or_default(),
        about.unwrap_or_default(),
        object["severity"].as_str().unwrap_or_default()
    )
}

/// An incident's change, in both languages.
fn incident_text(vi: &str, en: &str, incident: &Value, body: &Value) -> (String, String) {
    let subject = format!("[IOC] {vi} / {en}: {}", summary(incident));
    let field = |k: &str| incident[k].as_str().unwrap_or("—").to_owned();
    let text = format!(
        "{vi}\n\
         Sự vụ: {title}\nLoại: {category}\nMức độ: {severity}\nKhu vực: {district}\nTrạng thái: {status}\nĐơn vị xử lý: {assignee}\n\n\
         {en}\n\
         Incident: {title}\nCategory: {category}\nSeverity: {severity}\nDistrict: {district}\nStatus: {status}\nAssignee: {assignee}\n\n\
         Mã sự vụ / Incident id: {id} · Mã thông báo / Delivery id: {delivery}\n",
        title = field("title"),
        category = field("category"),
        severity = field("severity"),
        district = field("district"),
        status = field("status"),
        assignee = field("assignee"),
        id = incident["id"],
        delivery = body["id"].as_str().unwrap_or_default(),
    );
    (subject, text)
}
