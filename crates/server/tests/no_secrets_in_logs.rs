//! A full scenario with every log at TRACE level captured: no password, PIN,
//! SMS code, session token, step-up proof or DPoP proof (accepted or refused)
//! appears in it, and the request id of the logs is the envelope's transactionId.

#[path = "api/common.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs_even_at_trace_level() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let app = TestApp::new().await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), PIN.into()];

    // Shortcut enrollment of a new account: password, code, PIN.
    let client = app.client("new@demo.test").await;
    secrets.push(client.token.clone().unwrap());
    let number = "+33698765432";
    let code = client.sms_code("phoneNumberCertification", number).await;
    secrets.push(code.clone());
    let wrong = other_code(&code);
    client
        .post(ENROLLMENT, json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": wrong, "phoneNumber": number}))
        .await
        .assert_error(2305);
    secrets.push(wrong);
    let done = client
        .post(ENROLLMENT, json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": code, "phoneNumber": number}))
        .await;
    done.assert_ok();
    secrets.push("135790".into());
    // Step-up and vehicle removal.
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
    secrets.push("975310".into());
    let proof = client.step_up("135790").await;
    secrets.push(proof.clone());
    client
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF3UPHNS0KS123456"}),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_ok();
    // PIN update and reset.
    client
        .post(
            PIN_CODE,
            json!({"action": "update", "oldPIN": "135790", "newPIN": "864209"}),
        )
        .await
        .assert_ok();
    secrets.push("864209".into());
    app.clock.advance(31);
    let reset_code = client.sms_code("resetPIN", number).await;
    secrets.push(reset_code.clone());
    client
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "731952", "smsCode": reset_code}),
        )
        .await
        .assert_ok();
    secrets.push("731952".into());
    // A DPoP proof, accepted then refused as a replay: the refusal's kind is
    // logged, never the proof (nor the hash of the token it carries).
    let dpop = app.proof(
        client.key(),
        "GET",
        "/api/v1/session",
        client.token.as_deref(),
    );
    for expected in [None, Some(2102)] {
        let answer = client
            .send_with_proof(
                axum::http::Method::GET,
                "/api/v1/session",
                None,
                Some(&dpop),
            )
            .await;
        match expected {
            None => {
                answer.assert_ok();
            }
            Some(code) => answer.assert_error(code),
        }
    }
    secrets.push(dpop.clone());
    secrets.push(dpop.rsplit('.').next().unwrap().to_string());
    secrets.push(dpop_client::access_token_hash(
        client.token.as_deref().unwrap(),
    ));
    // A wrong password, then sign out.
    app.anonymous()
        .post(
            "/api/v1/session",
            json!({"email": "new@demo.test", "password": "hunter2-wrong"}),
        )
        .await
        .assert_error(2301);
    secrets.push("hunter2-wrong".into());
    let transaction_id = client.delete("/api/v1/session").await.json["transactionId"]
        .as_str()
        .unwrap()
        .to_string();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "trace logging was on"
    );
    assert!(
        logs.contains(&format!("request_id={transaction_id}")),
        "request id = transactionId"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret ({} chars) is in the logs",
            secret.len()
        );
    }
}
