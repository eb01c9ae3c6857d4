//! Guessing and flooding (issue 16): sign-ins per client address, the bounded hashing
//! queue with PIN checks first, and SMS pumping (destinations, per number, in all), at
//! the spec's numbers.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::common::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A sign-in of `email` from `address` (a fresh device, as an attacker's script).
async fn sign_in_from(app: &TestApp, address: &str, email: &str, password: &str) -> Answer {
    let client = app.anonymous();
    let request = client.request(
        Method::POST,
        "/api/v1/session",
        Some(json!({"email": email, "password": password})),
    );
    app.send(from_ip(request, ip(address))).await
}

#[tokio::test]
async fn two_hundred_guesses_from_one_address_get_twenty_hashed_a_minute() {
    let app = TestApp::with_settings(spec_limits_settings()).await;
    let known = [
        "new@demo.test",
        "phone@demo.test",
        "enrolled@demo.test",
        "blocked@demo.test",
        "full@demo.test",
    ];
    let hashes_before = app.state.hasher.started();
    let mut answers = Vec::new();
    for i in 0..200 {
        // Known and unknown emails, each tried at most 4 times: the per-email back-off
        // (from the 5th failure) never speaks, only the per-address limit can.
        let email = if i % 2 == 0 {
            known[(i / 2) % known.len()].to_string()
        } else {
            format!("nobody{i}@demo.test")
        };
        let email = if i >= 40 && i % 2 == 0 {
            format!("someone{i}@demo.test")
        } else {
            email
        };
        let answer = sign_in_from(&app, "198.51.100.7", &email, "wrong-password").await;
        answers.push(answer.code());
        if answer.code() == 2391 {
            let wait = answer.json["error"]["retryAfterSeconds"].as_u64().unwrap();
            assert_eq!(answer.status, 429);
            assert_eq!(answer.headers["retry-after"], wait.to_string().as_str());
            assert_eq!(wait, 3, "a token every 3 s at 20 a minute");
        }
    }
    // 20 hashed, each answered 2301; the other 180 cost no hashing.
    assert_eq!(app.state.hasher.started() - hashes_before, 20);
    assert_eq!(answers.iter().filter(|c| **c == 2301).count(), 20);
    assert_eq!(answers[..20], [2301; 20]);
    assert!(answers[20..].iter().all(|c| *c == 2391));
    // Known and unknown emails alike, even with the right password.
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "phone@demo.test", PASSWORD)
            .await
            .code(),
        2391
    );
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "ghost@demo.test", PASSWORD)
            .await
            .code(),
        2391
    );
    // Another address is not held back by that one.
    sign_in_from(&app, "203.0.113.5", "phone@demo.test", PASSWORD)
        .await
        .assert_ok();
    // The bucket refills: a token every 3 seconds, 20 after a minute.
    app.clock.advance(3);
    sign_in_from(&app, "198.51.100.7", "phone@demo.test", PASSWORD)
        .await
        .assert_ok();
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "phone@demo.test", PASSWORD)
            .await
            .code(),
        2391
    );
    app.clock.advance(60);
    for _ in 0..20 {
        sign_in_from(&app, "198.51.100.7", "phone@demo.test", PASSWORD)
            .await
            .assert_ok();
    }
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "phone@demo.test", PASSWORD)
            .await
            .code(),
        2391
    );
}

#[tokio::test]
async fn a_forged_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let mut settings = spec_limits_settings();
    settings.trusted_proxies =
        portal_server::client_ip::parse_trusted(&["10.0.0.0/8".into()]).unwrap();
    let app = TestApp::with_settings(settings).await;
    let emails = std::sync::atomic::AtomicUsize::new(0);
    let attempt = |peer: &'static str, forwarded: String| {
        let client = app.anonymous();
        // A new email each time: the per-email back-off stays out of it.
        let n = emails.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut request = client.request(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": format!("ghost{n}@demo.test"), "password": "wrong-password"})),
        );
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
        let app = &app;
        async move { app.send(from_ip(request, ip(peer))).await.code() }
    };
    // Straight from the attacker, a new address in the header each time: one client.
    let mut codes = Vec::new();
    for i in 0..21 {
        codes.push(attempt("198.51.100.7", format!("203.0.113.{i}")).await);
    }
    assert_eq!(codes[..20], [2301; 20]);
    assert_eq!(codes[20], 2391);
    // Through the proxy, the address it appended is the client; what the client wrote
    // left of it changes nothing.
    let mut codes = Vec::new();
    for i in 0..21 {
        codes.push(attempt("10.0.0.2", format!("192.0.2.{i}, 192.0.2.77")).await);
    }
    assert_eq!(codes[..20], [2301; 20]);
    assert_eq!(codes[20], 2391);
    // Two clients behind the proxy: two buckets.
    assert_eq!(attempt("10.0.0.2", "192.0.2.78".into()).await, 2301);
}

/// `n` sign-ins at once, each from its own address with its own unknown email (so no
/// per-address or per-email limit stops them before the hashing): their answers.
async fn flood(app: &TestApp, n: usize) -> JoinSet<(u16, Option<String>)> {
    let mut set = JoinSet::new();
    for i in 0..n {
        let client = app.anonymous();
        let request = client.request(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": format!("flood{i}@demo.test"), "password": "wrong-password"})),
        );
        let request = from_ip(request, ip(&format!("10.{}.{}.1", i / 256, i % 256)));
        let router = app.router.clone();
        set.spawn(async move {
            let response = router.oneshot(request).await.unwrap();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (response.status().as_u16(), retry_after)
        });
    }
    set
}

/// At the real argon2 cost (19 MiB, t = 2, about 25-50 ms a hash here): 500 sign-ins at
/// once, from 500 addresses. The queue holds 400 of them (a larger bound than the default
/// 64, so that a PIN check served in turn would wait 200 hashes per core, several
/// seconds); the rest is shed with 503. The PIN check goes before every waiting sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_sign_ins_is_shed_and_a_pin_check_goes_first() {
    let mut settings = spec_limits_settings();
    settings.policy.argon2 = portal_server::config::HashCost::default();
    // 300 of 500: under load the flood arrives slowly and more of it is hashed before
    // the queue fills (a CI run saw 45 shed with room for 400), so leave a wide margin.
    settings.policy.hash_queue = 300;
    let app = TestApp::with_settings(settings).await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let mut sign_ins = flood(&app, 500).await;
    // Once the flood waits for the hashing (past its database work, which would otherwise
    // be measured too): 200 sign-ins before the PIN check, at least 3 s in turn.
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.state.hasher.waiting().1 < 200 {
        assert!(
            Instant::now() < deadline,
            "the flood never queued 200 sign-ins"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let queued = app.state.hasher.waiting().1;
    let started = Instant::now();
    let answer = client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await;
    let took = started.elapsed();
    answer.assert_ok();
    let mut statuses = Vec::new();
    while let Some(answer) = sign_ins.join_next().await {
        let (status, retry_after) = answer.unwrap();
        if status == 503 {
            assert_eq!(retry_after.as_deref(), Some("2"));
        }
        statuses.push(status);
    }
    let shed = statuses.iter().filter(|s| **s == 503).count();
    let hashed = statuses.iter().filter(|s| **s == 401).count();
    println!(
        "PIN check took {took:?} with {queued} sign-ins queued; {hashed} sign-ins hashed, \
         {shed} shed"
    );
    assert!(took < Duration::from_secs(2), "the PIN check took {took:?}");
    assert_eq!(shed + hashed, 500, "{statuses:?}");
    // 300 wait and 2 or more run: about 200 are shed (fewer if the flood came in slowly).
    assert!(shed >= 50, "{shed} shed");
    // A shed sign-in compared no password: it gave back the try it took.
    let counted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE consecutive > 0")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(counted, hashed as i64, "emails with a failure counted");
}

#[tokio::test]
async fn the_sixth_code_to_one_number_within_the_hour_is_refused_whatever_the_account() {
    let app = TestApp::with_settings(spec_limits_settings()).await;
    let number = "+12015550123"; // phone@demo.test's trusted number
    let stranger = app.client("new@demo.test").await;
    for _ in 0..5 {
        stranger
            .post(
                SMS_REQUEST,
                json!({"type": "phoneNumberCertification", "phoneNumber": number}),
            )
            .await
            .assert_ok();
        app.clock.advance(31);
    }
    // The owner of the number is refused too: the number had its 5 this hour.
    let owner = app.client("phone@demo.test").await;
    let refused = owner.post(SMS_REQUEST, json!({"type": "enrollment"})).await;
    refused.assert_error(2391);
    assert_eq!(refused.status, 429);
    // A token every 12 minutes: 155 s have passed since the first.
    assert_eq!(refused.json["error"]["retryAfterSeconds"], 720 - 155);
    assert_eq!(refused.headers["retry-after"], "565");
    // Another number is not held back.
    stranger
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+33698765432"}),
        )
        .await
        .assert_ok();
    app.clock.advance(565);
    owner
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
}

#[tokio::test]
async fn the_server_sends_at_most_its_ceiling_a_minute() {
    let mut settings = spec_limits_settings();
    settings.policy.sms_per_minute = 3;
    let app = TestApp::with_settings(settings).await;
    let mut answers = Vec::new();
    for email in ["phone@demo.test", "enrolled@demo.test", "full@demo.test"] {
        let client = app.client(email).await;
        answers.push(
            client
                .post(SMS_REQUEST, json!({"type": "enrollment"}))
                .await,
        );
    }
    let certify = json!({"type": "phoneNumberCertification", "phoneNumber": "+33698765432"});
    let fourth = app.client("new@demo.test").await;
    answers.push(fourth.post(SMS_REQUEST, certify.clone()).await);
    for answer in &answers[..3] {
        answer.assert_ok();
    }
    answers[3].assert_error(2391);
    assert_eq!(answers[3].json["error"]["retryAfterSeconds"], 20);
    app.clock.advance(20);
    fourth.post(SMS_REQUEST, certify).await.assert_ok();
}

#[tokio::test]
async fn a_new_pin_is_hashed_only_after_its_sms_code_is_right() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let number = "+33698765432";
    let code = client.sms_code("phoneNumberCertification", number).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let before = app.state.hasher.started();
    client
        .post(
            ENROLLMENT,
            json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": wrong, "phoneNumber": number}),
        )
        .await
        .assert_error(2305);
    assert_eq!(
        app.state.hasher.started(),
        before,
        "a wrong code costs no hash"
    );
    client
        .post(
            ENROLLMENT,
            json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": code, "phoneNumber": number}),
        )
        .await
        .assert_ok();
    assert_eq!(app.state.hasher.started(), before + 1);
    // B alike: the reset's code is checked before the new PIN is compared or hashed.
    let owner = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let code = owner.sms_code("resetPIN", ENROLLED_PHONE).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let before = app.state.hasher.started();
    owner
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "527148", "smsCode": wrong}),
        )
        .await
        .assert_error(2305);
    assert_eq!(
        app.state.hasher.started(),
        before,
        "a wrong code costs no hash"
    );
}

#[tokio::test]
async fn codes_go_to_mobile_numbers_of_the_configured_countries_only() {
    let app = TestApp::with_settings(spec_limits_settings()).await;
    let client = app.client("new@demo.test").await;
    for refused in [
        "+33 8 99 12 34 56", // premium rate
        "0810 12 34 56",     // shared cost
        "+33 1 42 68 53 00", // a fixed line in Paris
        "+32 2 234 56 78",   // a fixed line in Brussels
        "+212 612 345 678",  // a Moroccan mobile: not a configured country
    ] {
        let answer = client
            .post(
                SMS_REQUEST,
                json!({"type": "phoneNumberCertification", "phoneNumber": refused}),
            )
            .await;
        answer.assert_error(2102);
        assert!(
            answer.json["error"]["label"]
                .as_str()
                .unwrap()
                .contains("phoneNumber"),
            "{refused}: {}",
            answer.text
        );
    }
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(outbox, 0, "nothing was sent");
    client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "+32 470 12 34 56"}),
        )
        .await
        .assert_ok();
}

/// A PIN check shed by a full hashing queue (503 with `Retry-After`) was never compared
/// with the PIN: it gives its try back, so a loaded server never costs a customer one of
/// their three tries.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pin_check_shed_by_a_full_queue_gives_its_try_back() {
    let mut settings = spec_limits_settings();
    // Four times the real cost: each hash holds its core long enough that the one place
    // in the queue is taken again before the next PIN check arrives.
    settings.policy.argon2 = portal_server::config::HashCost {
        iterations: 8,
        ..portal_server::config::HashCost::default()
    };
    settings.policy.hash_queue = 1;
    let app = TestApp::with_settings(settings).await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    // Every core busy and the queue full, kept full: other PIN hashes.
    let hasher = app.state.hasher.clone();
    let filling = tokio::spawn(async move {
        loop {
            if hasher.waiting().0 == 0 {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash("filler".into()).await });
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let mut shed = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let answer = client
            .post(
                OTP,
                json!({"action": "withPIN", "pinCode": "135792", "operation": "removeProperty"}),
            )
            .await;
        if answer.status == 503 {
            shed = Some(answer);
            break;
        }
        // Slipped in while the queue was being filled again: a counted wrong PIN.
        answer.assert_error(2308);
        sqlx::query("UPDATE accounts SET pin_failures = 0 WHERE email = 'enrolled@demo.test'")
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    filling.abort();
    let shed = shed.expect("no PIN check was shed in 20 tries with the queue full");
    assert_eq!(shed.json["error"]["code"], 2204, "{}", shed.text);
    let retry_after = shed.headers.get("retry-after").map(|v| v.to_str().unwrap());
    assert_eq!(retry_after, Some("2"));
    assert_eq!(
        app.pin_failures("enrolled@demo.test").await,
        0,
        "the shed check kept its try"
    );

    // Once the load is gone, the three tries are all there.
    while app.state.hasher.waiting().0 > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answer = client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "135792", "operation": "removeProperty"}),
        )
        .await;
    answer.assert_error(2308);
    assert_eq!(answer.json["error"]["remainingAttempts"], 2);
}

/// `body` posted to `path` by `client` from `address`.
async fn post_from(
    client: &Client<'_>,
    address: IpAddr,
    path: &str,
    body: serde_json::Value,
) -> Answer {
    client
        .app
        .send(from_ip(
            client.request(Method::POST, path, Some(body)),
            address,
        ))
        .await
}

/// One address guessing PINs and SMS codes on several accounts (a list of passwords from
/// another site's breach) is stopped at its own limit, which no account's tries can see:
/// here 4 wrong guesses an hour. Right guesses are not counted, a refused guess costs the
/// account nothing, and another address is not touched.
#[tokio::test]
async fn wrong_guesses_from_one_address_are_limited_across_accounts() {
    let mut settings = spec_limits_settings();
    settings.policy.wrong_guesses_per_ip_per_hour = 4;
    let app = TestApp::with_settings(settings).await;
    let (attacker, other) = (ip("198.51.100.9"), ip("203.0.113.5"));
    let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let with_pin =
        |pin: &str| json!({"action": "withPIN", "pinCode": pin, "operation": "removeProperty"});
    // Five right PINs from an address whose bucket holds four: not counted.
    for _ in 0..5 {
        post_from(&enrolled, attacker, OTP, with_pin(PIN))
            .await
            .assert_ok();
    }
    // Two wrong PINs, then a right one: the account's count starts again, the address's not.
    for _ in 0..2 {
        post_from(&enrolled, attacker, OTP, with_pin("135792"))
            .await
            .assert_error(2308);
    }
    post_from(&enrolled, attacker, OTP, with_pin(PIN))
        .await
        .assert_ok();
    // Two wrong codes on another account: the address's fourth wrong guess.
    let phone = app.client("phone@demo.test").await;
    let code = phone.sms_code("enrollment", "+12015550123").await;
    let wrong_code = json!({"action": "enrollment", "smsCode": other_code(&code)});
    for _ in 0..2 {
        post_from(&phone, attacker, SMS_SUBMIT, wrong_code.clone())
            .await
            .assert_error(2305);
    }

    // The fifth, whatever the account and the secret: 2391, with when to come back.
    let refused = post_from(&enrolled, attacker, OTP, with_pin("135792")).await;
    refused.assert_error(2391);
    assert_eq!(refused.status, 429);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=900).contains(&wait),
        "a token every 15 minutes: {wait}"
    );
    assert_eq!(
        app.pin_failures("enrolled@demo.test").await,
        0,
        "the refused guess kept the account's try"
    );
    post_from(&phone, attacker, SMS_SUBMIT, wrong_code.clone())
        .await
        .assert_error(2391);
    post_from(&enrolled, attacker, OTP, with_pin(PIN))
        .await
        .assert_error(2391);

    // Another address guesses as before: its wrong PIN counts on the account...
    post_from(&enrolled, other, OTP, with_pin("135792"))
        .await
        .assert_error(2308);
    assert_eq!(app.pin_failures("enrolled@demo.test").await, 1);
    // ...and the code, which lost no try to the refused guess, still has its last three:
    // two more wrong ones, then the right one.
    for _ in 0..2 {
        post_from(&phone, other, SMS_SUBMIT, wrong_code.clone())
            .await
            .assert_error(2305);
    }
    post_from(
        &phone,
        other,
        SMS_SUBMIT,
        json!({"action": "enrollment", "smsCode": code}),
    )
    .await
    .assert_ok();
}
