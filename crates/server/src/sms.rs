//! SMS delivery behind one trait: the demo outbox, the signed HTTP webhook,
//! or nothing (every send fails with 2204).

use std::future::Future;
use std::pin::Pin;

use wire::api::SmsPurpose;

use crate::db::Pool;

/// One message to deliver. `text` contains the code: never log it.
pub struct SmsMessage {
    pub account_id: i64,
    pub to: String,
    pub text: String,
    pub purpose: SmsPurpose,
    pub at: i64,
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("account_id", &self.account_id)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something that delivers SMS. An `Err` is the cause, logged, never shown.
pub trait SmsSender: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a>;
}

/// Demo mode: messages land in the `outbox` table, read at `GET /api/v1/dev/outbox`.
pub struct OutboxSender {
    pool: Pool,
}

impl OutboxSender {
    pub fn new(pool: Pool) -> OutboxSender {
        OutboxSender { pool }
    }
}

impl SmsSender for OutboxSender {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO outbox (account_id, to_phone, text, purpose, sent_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(message.account_id)
            .bind(&message.to)
            .bind(&message.text)
            .bind(message.purpose.as_str())
            .bind(message.at)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| format!("outbox: {e}"))
        })
    }
}

/// No gateway configured: sending fails, the caller gets 2204.
pub struct NoSender;

impl SmsSender for NoSender {
    fn send<'a>(&'a self, _message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async {
            Err("no SMS gateway configured (use --demo or --sms-webhook-url)".into())
        })
    }
}

/// The languages the SMS texts are written in, each with its catalogue
/// (`locales/<lang>.txt`, compiled in); the portal has the same ones.
const CATALOGUES: [(&str, &str); 8] = [
    ("en", include_str!("../locales/en.txt")),
    ("fr", include_str!("../locales/fr.txt")),
    ("de", include_str!("../locales/de.txt")),
    ("it", include_str!("../locales/it.txt")),
    ("es", include_str!("../locales/es.txt")),
    ("pt", include_str!("../locales/pt.txt")),
    ("nl", include_str!("../locales/nl.txt")),
    ("pl", include_str!("../locales/pl.txt")),
];

/// The catalogue of the account's language (`de`, `de-AT`, `pt_PT`…), else English.
fn catalogue(locale: &str) -> &'static str {
    let primary = wire::primary_language(locale);
    CATALOGUES
        .iter()
        .find(|(tag, _)| tag.eq_ignore_ascii_case(primary))
        .unwrap_or(&CATALOGUES[0])
        .1
}

fn lookup<'a>(catalogue: &'a str, key: &str) -> Option<&'a str> {
    catalogue
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, text)| text.trim())
}

/// The message text in the account's language (English for one we do not write).
pub fn message_text(locale: &str, purpose: SmsPurpose, code: &str, ttl_seconds: i64) -> String {
    let minutes = (ttl_seconds + 59) / 60;
    let texts = catalogue(locale);
    let what = lookup(texts, &format!("sms.purpose.{}", purpose.as_str())).unwrap_or_default();
    lookup(texts, "sms.text")
        .unwrap_or("{purpose} {code} ({minutes} min)")
        .replace("{purpose}", what)
        .replace("{code}", code)
        .replace("{minutes}", &minutes.to_string())
}

/// The notice to the previous number once D has replaced it: no code, only what happened
/// (the new number masked) and what to do if it was not the account's owner.
pub fn phone_changed_notice(locale: &str, masked_new_number: &str) -> String {
    lookup(catalogue(locale), "sms.notice.phoneChanged")
        .unwrap_or("Your trusted phone number was changed to {number}.")
        .replace("{number}", masked_new_number)
}

/// Header with the request's unix time, covered by the signature.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "X-Portal-Timestamp";
/// Header `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "X-Portal-Signature";

/// A real gateway: `POST url` with JSON `{to, text}`, signed; any answer but
/// 2xx, or no answer within the timeout, is a failure.
pub struct WebhookSender {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: Vec<u8>,
}

impl WebhookSender {
    pub fn new(
        url: &str,
        secret: &str,
        timeout: std::time::Duration,
    ) -> Result<WebhookSender, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("invalid SMS webhook URL: {e}"))?;
        if secret.is_empty() {
            return Err("the SMS webhook secret is empty".into());
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(WebhookSender {
            client,
            url,
            secret: secret.as_bytes().to_vec(),
        })
    }
}

/// The signature header value of a webhook body sent at `timestamp`.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "sha256={}",
        crate::crypto::hex(&mac.finalize().into_bytes())
    )
}

impl SmsSender for WebhookSender {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let body =
                serde_json::to_vec(&serde_json::json!({"to": message.to, "text": message.text}))
                    .map_err(|e| format!("webhook body: {e}"))?;
            let signature = webhook_signature(&self.secret, message.at, &body);
            let response = self
                .client
                .post(self.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(WEBHOOK_TIMESTAMP_HEADER, message.at.to_string())
                .header(WEBHOOK_SIGNATURE_HEADER, signature)
                .body(body)
                .send()
                .await
                // Without the URL: reqwest errors print it, and it may hold credentials.
                .map_err(|e| format!("SMS gateway unreachable: {}", e.without_url()))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("SMS gateway answered {status}"))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sms_catalogue_has_every_text() {
        for (locale, _) in CATALOGUES {
            let texts = catalogue(locale);
            for purpose in SmsPurpose::REQUESTABLE
                .into_iter()
                .chain([SmsPurpose::ModifyPhoneNumber])
            {
                let key = format!("sms.purpose.{}", purpose.as_str());
                assert!(
                    lookup(texts, &key).is_some_and(|t| !t.is_empty()),
                    "{locale}: {key}"
                );
            }
            let notice = lookup(texts, "sms.notice.phoneChanged").expect("notice");
            assert!(notice.contains("{number}"), "{locale}: notice");
            let text = lookup(texts, "sms.text").expect("sms.text");
            for placeholder in ["{purpose}", "{code}", "{minutes}"] {
                assert!(text.contains(placeholder), "{locale}: {placeholder}");
            }
        }
    }

    #[test]
    fn texts_carry_code_purpose_and_lifetime_in_the_account_language() {
        assert_eq!(
            message_text("en", SmsPurpose::Enrollment, "123456", 600),
            "Your enrollment code is 123456. It expires in 10 minutes."
        );
        let fr = message_text("fr", SmsPurpose::ResetPin, "654321", 600);
        assert!(
            fr.contains("654321") && fr.contains("réinitialisation") && fr.contains("10 minutes")
        );
        let de = message_text("de-AT", SmsPurpose::Enrollment, "111222", 300);
        assert!(de.contains("111222") && de.contains("Registrierung") && de.contains(" 5 "));
        let pl = message_text("pl_PL", SmsPurpose::ResetPin, "333444", 600);
        assert!(pl.contains("333444") && pl.contains("PIN-u"), "{pl}");
        assert!(message_text("sv", SmsPurpose::ResetPin, "1", 60).starts_with("Your "));
    }

    #[test]
    fn every_sms_catalogue_has_the_same_keys_as_the_english_one() {
        let keys = |texts: &str| -> Vec<String> {
            let mut keys: Vec<String> = texts
                .lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .filter_map(|line| line.split_once('='))
                .map(|(key, _)| key.trim().to_string())
                .collect();
            keys.sort();
            keys
        };
        for (locale, texts) in CATALOGUES {
            assert_eq!(keys(texts), keys(CATALOGUES[0].1), "{locale}");
        }
    }
}
