//! The webhook gateway: signed requests; a failing gateway gives 2204 and
//! leaves the account as it was.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use portal_server::config::SmsSettings;
use serde_json::json;

use crate::common::*;

const SECRET: &str = "webhook-test-secret";

/// Requests the gateway received: headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Gateway {
    received: Received,
    status: Arc<Mutex<u16>>,
    delay_ms: Arc<Mutex<u64>>,
}

impl Gateway {
    /// A tiny HTTP listener on a free local port; returns its URL.
    async fn start(&self) -> String {
        let gateway = self.clone();
        let app = axum::Router::new().route(
            "/sms",
            post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let gateway = gateway.clone();
                async move {
                    let delay = *gateway.delay_ms.lock().unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    gateway
                        .received
                        .lock()
                        .unwrap()
                        .push((headers, body.to_vec()));
                    StatusCode::from_u16(*gateway.status.lock().unwrap()).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{address}/sms")
    }

    fn set_status(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }
}

async fn app_with_gateway(url: String) -> TestApp {
    let mut settings = demo_settings();
    settings.sms = SmsSettings::Webhook {
        url,
        secret: SECRET.into(),
    };
    settings.policy.sms_webhook_timeout_seconds = 1;
    TestApp::with_settings(settings).await
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_gateway_receives_a_signed_request_and_the_code_works() {
    let gateway = Gateway::default();
    gateway.set_status(200);
    let app = app_with_gateway(gateway.start().await).await;
    let client = app.client("phone@demo.test").await;
    let sent = client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await;
    assert_eq!(sent.assert_ok()["maskedPhoneNumber"], "+1 2•• •• •• •23");

    let (headers, body) = gateway.received.lock().unwrap().pop().expect("one request");
    assert_eq!(headers["content-type"], "application/json");
    let timestamp: i64 = headers["x-portal-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(timestamp, START);
    let expected = portal_server::sms::webhook_signature(SECRET.as_bytes(), timestamp, &body);
    assert_eq!(headers["x-portal-signature"].to_str().unwrap(), expected);
    assert!(expected.starts_with("sha256=") && expected.len() == 7 + 64);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["to"], "+12015550123");
    let text = json["text"].as_str().unwrap();
    assert!(text.starts_with("Your enrollment code is "), "{text}");
    // Nothing in the demo outbox: the gateway got it.
    assert_eq!(
        client.get("/api/v1/dev/outbox").await.assert_ok()["messages"],
        json!([])
    );

    let status = client
        .post(
            SMS_SUBMIT,
            json!({"action": "enrollment", "smsCode": code_in(text)}),
        )
        .await;
    assert_eq!(status.assert_ok()["status"], "NotEnrolled");
}

#[tokio::test]
async fn a_failing_gateway_gives_2204_and_changes_nothing() {
    let gateway = Gateway::default();
    gateway.set_status(200);
    let app = app_with_gateway(gateway.start().await).await;
    let client = app.client("phone@demo.test").await;
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    let (_, body) = gateway.received.lock().unwrap().pop().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let first_code = code_in(json["text"].as_str().unwrap());
    let codes_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();

    app.clock.advance(30);
    gateway.set_status(503);
    let failed = client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await;
    failed.assert_error(2204);
    assert_eq!(failed.json["error"]["label"], "Server error");
    let codes_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(codes_before, codes_after);
    // No cooldown was spent on the failure: a retry goes straight to the gateway.
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_error(2204);
    // The earlier code was not superseded.
    let status = client
        .post(
            SMS_SUBMIT,
            json!({"action": "enrollment", "smsCode": first_code}),
        )
        .await;
    assert_eq!(status.assert_ok()["status"], "NotEnrolled");
}

#[tokio::test]
async fn an_unreachable_or_slow_gateway_gives_2204() {
    let gateway = Gateway::default();
    gateway.set_status(200);
    *gateway.delay_ms.lock().unwrap() = 3000;
    let app = app_with_gateway(gateway.start().await).await;
    let client = app.client("phone@demo.test").await;
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_error(2204);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/sms", listener.local_addr().unwrap());
    drop(listener);
    let app = app_with_gateway(closed).await;
    let client = app.client("new@demo.test").await;
    client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+33698765432"}),
        )
        .await
        .assert_error(2204);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}
