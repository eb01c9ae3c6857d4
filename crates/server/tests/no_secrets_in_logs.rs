//! A full scenario with every log at TRACE level captured: no password, PIN,
//! SMS code, session token, step-up proof, DPoP proof (accepted or refused) or email
//! appears in it, the request id of the logs is the envelope's transactionId, and each
//! authentication decision (the limits of issue 16 too) names the account and the
//! client's address.

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
        // A timestamp's microseconds are six random digits, as an SMS code or a PIN is.
        .without_time()
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
    // The PIN in the removal's own header, wrong (the log says why it was refused).
    client
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF3UPHNS0KS123456"}),
            (wire::STRONG_AUTH_PIN_HEADER, "975311"),
        )
        .await
        .assert_error(2308);
    secrets.push("975311".into());
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
    // The limits of issue 16, each refusal logged with the account and the client's
    // address, never the email, password or code: a server at the spec's limits.
    let limited = TestApp::with_settings(spec_limits_settings()).await;
    let attacker: std::net::IpAddr = "198.51.100.7".parse().unwrap();
    let guess = |email: &str, password: &str| {
        let request = limited.anonymous().request(
            axum::http::Method::POST,
            "/api/v1/session",
            Some(json!({"email": email, "password": password})),
        );
        limited.send(from_ip(request, attacker))
    };
    // The per-account back-off (an enrolled account), then the per-address bucket.
    for i in 0..20 {
        let password = format!("guess-{i}-of-a-password");
        let answer = guess("enrolled@demo.test", &password).await;
        assert!([2301, 2391].contains(&answer.code()), "{}", answer.text);
        secrets.push(password);
    }
    guess("victim@demo.test", "correct-horse-battery")
        .await
        .assert_error(2391);
    secrets.push("correct-horse-battery".into());
    // A session refused (an unknown token) and a PIN-blocked account.
    let mut stranger = limited.anonymous();
    stranger.token = Some("not-a-session-token-but-a-secret-one".into());
    stranger.get("/api/v1/session").await.assert_error(2301);
    secrets.push("not-a-session-token-but-a-secret-one".into());
    let blocked = limited.client_on_enrolled("full@demo.test", 0).await;
    secrets.push(blocked.token.clone().unwrap());
    for (pin, code) in [
        ("482915", 2308),
        ("482916", 2308),
        ("482917", 2308),
        ("482918", 2317),
    ] {
        blocked
            .post(
                OTP,
                json!({"action": "withPIN", "pinCode": pin, "operation": "removeProperty"}),
            )
            .await
            .assert_error(code);
        secrets.push(pin.into());
    }
    // SMS pumping: a premium-rate destination, then the sixth code to one number.
    let pumper = limited.client("new@demo.test").await;
    secrets.push(pumper.token.clone().unwrap());
    pumper
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+33899123456"}),
        )
        .await
        .assert_error(2102);
    for _ in 0..5 {
        let code = pumper
            .sms_code("phoneNumberCertification", "+33698765433")
            .await;
        secrets.push(code);
        limited.clock.advance(31);
    }
    let sixth = pumper
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+33698765433"}),
        )
        .await;
    sixth.assert_error(2391);
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
    // Each decision names the account and the client's address; no email is written.
    for (decision, account) in [
        ("sign-in refused: wrong password", true),
        ("sign-in refused: back-off", true),
        (
            "sign-in refused: too many attempts from this address",
            false,
        ),
        ("session refused: unknown token", false),
        ("PIN refused: the account is PIN-blocked", true),
        ("wrong PIN", true),
        ("wrong SMS code", true),
        ("SMS refused: not a mobile number", false),
        ("SMS refused: too many to this number", true),
        ("signed in", true),
    ] {
        let line = logs
            .lines()
            .find(|line| line.contains(decision))
            .unwrap_or_else(|| panic!("no log of {decision:?}"));
        assert!(line.contains("client_ip="), "{line}");
        if account {
            assert!(line.contains("account_id="), "{line}");
        }
    }
    assert!(logs.contains("client_ip=198.51.100.7"));
    // No email either, but the demo seed's own (public) ones at start.
    let requests: Vec<&str> = logs
        .lines()
        .filter(|line| !line.contains("portal_server::seed"))
        .collect();
    for email in [
        "new@demo.test",
        "enrolled@demo.test",
        "full@demo.test",
        "victim@demo.test",
    ] {
        assert!(
            !requests.iter().any(|line| line.contains(email)),
            "{email} is in the logs: {:?}",
            requests.iter().find(|line| line.contains(email))
        );
    }
    let logs = without_measures(&logs);
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret ({} chars) is in the logs",
            secret.len()
        );
    }
}

/// The logs with the values the server makes up itself blanked: durations (sqlx's
/// `elapsed=1.250765ms`) and request ids (UUIDs) hold runs of random digits, so a
/// six-digit secret could match one by chance (about one run in twenty before this).
fn without_measures(logs: &str) -> String {
    logs.split(' ')
        .map(|word| {
            match [
                "elapsed=",
                "elapsed_secs=",
                "request{request_id=",
                "request_id=",
            ]
            .iter()
            .find(|field| word.starts_with(**field))
            {
                Some(field) => *field,
                None => word,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn measures_are_blanked_and_everything_else_is_kept() {
    let line = "DEBUG request{request_id=0b6e-135790 method=POST}: sqlx::query: pin=\"135790\" elapsed=1.135790ms elapsed_secs=0.001135790";
    let blanked = without_measures(line);
    assert_eq!(blanked.matches("135790").count(), 1, "{blanked}");
    assert!(blanked.contains("pin=\"135790\""));
}
