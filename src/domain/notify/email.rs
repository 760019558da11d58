//! E-mail, through Resend's HTTP API
//! (https://resend.com/docs/api-reference/emails/send-email):
//! `POST {base}/emails` with a Bearer API key, to at most 50 recipients.
//! The event id is the `Idempotency-Key`
//! (https://resend.com/docs/dashboard/emails/idempotency-keys), so a retry
//! after a lost answer never sends the e-mail twice. The HTML part escapes
//! every text; the subject is one line of at most 200 chars.

use super::kind::{endpoint, json_request, required, secret, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, cut_escaped, facts, headline, html, plain_facts, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::target::is_valid_hostname;
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const API_BASE: &str = "https://api.resend.com";
const MAX_RECIPIENTS: usize = 50;
const FACT_MAX: usize = 4_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub api_key: String,
    /// `alerts@example.com` or `Pingwarden <alerts@example.com>`, on a
    /// domain verified with Resend.
    pub from: String,
    pub to: Vec<String>,
}

/// An address as `local@domain.tld`: what a sender can check without
/// sending (the provider bounces the rest).
fn is_address(text: &str) -> bool {
    text.len() <= 254
        && text.rsplit_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && !local.contains(|c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"@".contains(c))
                && domain.contains('.')
                && is_valid_hostname(domain)
        })
}

/// `from` as an address, or a display name followed by `<address>`.
fn is_sender(text: &str) -> bool {
    match text.strip_suffix('>').and_then(|rest| rest.rsplit_once('<')) {
        Some((name, address)) => is_address(address) && !name.contains(['<', '>', '"']),
        None => is_address(text),
    }
}

impl KindSettings for EmailSettings {
    const SECRETS: &'static [&'static str] = &["api_key"];

    fn read(fields: &mut Fields<'_>, _: &NotifyRules) -> Result<Self, FieldError> {
        let api_key = secret(fields, "api_key", 200)?;
        let from = required(fields, "from", 320)?;
        if !is_sender(&from) {
            return Err(FieldError::new(
                "from",
                "from must be an address such as Pingwarden <alerts@example.com>",
            ));
        }
        let to = fields.string_list("to", MAX_RECIPIENTS, 254)?.unwrap_or_default();
        if to.is_empty() {
            return Err(FieldError::new(
                "to",
                format!("to must list 1 to {MAX_RECIPIENTS} addresses"),
            ));
        }
        if let Some(bad) = to.iter().find(|address| !is_address(address)) {
            return Err(FieldError::new(
                "to",
                format!("to holds {bad:?}, which is not an e-mail address"),
            ));
        }
        Ok(EmailSettings { api_key, from, to })
    }
}

impl Notifier for EmailSettings {
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = endpoint(context.api_base, API_BASE, "/emails");
        let authorization = format!("Bearer {}", self.api_key);
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Idempotency-Key", event.id.as_str()),
            ("User-Agent", "Pingwarden"),
        ];
        Ok(json_request(
            "POST",
            url,
            &headers,
            &message(&self.from, &self.to, event),
        ))
    }
}

pub fn message(from: &str, to: &[String], event: &Event) -> Value {
    let line = format!("{} {}", Tone::of(event.kind).emoji(), headline(event));
    let rows: String = facts(event)
        .iter()
        .map(|fact| {
            format!(
                "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                fact.label,
                cut_escaped(&fact.value, FACT_MAX, html)
            )
        })
        .collect();
    json!({
        "from": from,
        "to": to,
        "subject": cut(&line, 200),
        "text": format!("{}\n\n{}", cut(&line, 1_000), plain_facts(event, FACT_MAX)),
        "html": format!("<h2>{}</h2><table>{rows}</table>", cut_escaped(&line, 1_000, html)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, header, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    fn settings() -> EmailSettings {
        let value = json!({ "api_key": "re_123", "from": "Pingwarden <alerts@example.com>", "to": ["ops@example.com", "ada@example.org"] });
        EmailSettings::from_input(&input(value), &LOCAL).unwrap()
    }

    #[test]
    fn emails_go_to_resend_or_its_override_idempotently() {
        for (api_base, url) in [
            (None, "https://api.resend.com/emails"),
            (Some("http://127.0.0.1:9/"), "http://127.0.0.1:9/emails"),
        ] {
            let request = settings()
                .request(&event(EventKind::Detected), &SendContext { now_ms: 0, api_base })
                .unwrap();
            assert_eq!((request.method, request.url.as_str()), ("POST", url));
            assert_eq!(header(&request, "authorization"), Some("Bearer re_123"));
            assert_eq!(header(&request, "idempotency-key"), Some("evt_1"));
        }
    }

    #[test]
    fn detected_and_resolved_have_a_subject_text_and_html() {
        for (kind, subject) in [
            (
                EventKind::Detected,
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (EventKind::Resolved, "✅ Checkout API is back up after 4 min 5 s"),
        ] {
            let body = body(
                &settings()
                    .request(
                        &event(kind),
                        &SendContext {
                            now_ms: 0,
                            api_base: None,
                        },
                    )
                    .unwrap(),
            );
            assert_eq!(body["from"], "Pingwarden <alerts@example.com>");
            assert_eq!(body["to"], json!(["ops@example.com", "ada@example.org"]));
            assert_eq!(body["subject"], subject);
            assert!(body["text"].as_str().unwrap().contains("\n\nMonitor: Checkout API\n"));
            assert!(body["html"]
                .as_str()
                .unwrap()
                .contains("<tr><th align=\"left\">Monitor</th><td>Checkout API</td></tr>"));
        }
    }

    #[test]
    fn texts_are_escaped_and_cut() {
        let message = message("a@example.com", &[], &with_hint(&huge_hint()));
        assert!(message["subject"].as_str().unwrap().chars().count() <= 200);
        assert!(message["html"].as_str().unwrap().contains("<td>é&lt;&amp;&gt;&quot;"));
    }

    #[test]
    fn addresses_are_checked_and_the_key_is_a_secret() {
        secrets_round_trip::<EmailSettings>(
            json!({ "api_key": "re_1", "from": "a@example.com", "to": ["b@example.com"] }),
        );
        let many: Vec<String> = (0..51).map(|i| format!("u{i}@example.com")).collect();
        let cases = [
            (json!({ "from": "a@example.com", "to": ["b@example.com"] }), "api_key"),
            (
                json!({ "api_key": "k", "from": "nobody", "to": ["b@example.com"] }),
                "from",
            ),
            (
                json!({ "api_key": "k", "from": "A <a@example>", "to": ["b@example.com"] }),
                "from",
            ),
            (json!({ "api_key": "k", "from": "a@example.com" }), "to"),
            (json!({ "api_key": "k", "from": "a@example.com", "to": [] }), "to"),
            (
                json!({ "api_key": "k", "from": "a@example.com", "to": ["b c@example.com"] }),
                "to",
            ),
            (json!({ "api_key": "k", "from": "a@example.com", "to": many }), "to"),
        ];
        for (value, field) in cases {
            assert_eq!(refused::<EmailSettings>(value.clone()), field, "{value}");
        }
    }
}
