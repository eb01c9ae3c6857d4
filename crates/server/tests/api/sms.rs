//! SMS codes: request, rate limits, submission for the phone number and step 6.

use serde_json::json;

use crate::common::*;

const NEW_NUMBER: &str = "+33698765432";

#[tokio::test]
async fn requesting_a_certification_code_sends_it_to_the_normalised_number() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let answer = client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "06 98 76 54 32"}),
        )
        .await;
    let result = answer.assert_ok();
    assert_eq!(result["expiresInSeconds"], 600);
    assert_eq!(result["resendAfterSeconds"], 30);
    assert_eq!(result["maskedPhoneNumber"], "+33 6•• •• ••32");
    let outbox = client.get("/api/v1/dev/outbox").await;
    let message = &outbox.assert_ok()["messages"][0];
    assert_eq!(message["to"], NEW_NUMBER);
    assert_eq!(message["purpose"], "phoneNumberCertification");
    assert_eq!(message["sentAt"], START);
    let text = message["text"].as_str().unwrap();
    assert!(
        text.starts_with("Your phone number verification code is "),
        "{text}"
    );
    assert!(text.ends_with("It expires in 10 minutes."), "{text}");
}

#[tokio::test]
async fn request_parameters_are_checked() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    client
        .post(SMS_REQUEST, json!({"type": "phoneNumberCertification"}))
        .await
        .assert_error(2101);
    client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": "06 12"}),
        )
        .await
        .assert_error(2102);
    client
        .post(SMS_REQUEST, json!({"type": "lottery"}))
        .await
        .assert_error(2102);
    client.post(SMS_REQUEST, json!({})).await.assert_error(2101);
    client
        .post(
            SMS_REQUEST,
            json!({"type": "enrollment", "action": "resetPIN"}),
        )
        .await
        .assert_error(2102);
    // Enrollment and reset codes go to the trusted number: none here.
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_error(2307);
    client
        .post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_error(2307);
    // `action` is accepted for `type`.
    let phone = app.client("phone@demo.test").await;
    phone
        .post(SMS_REQUEST, json!({"action": "enrollment"}))
        .await
        .assert_ok();
}

#[tokio::test]
async fn resend_waits_for_the_cooldown_of_its_purpose() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    app.clock.advance(10);
    let again = client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await;
    again.assert_error(2391);
    assert_eq!(again.json["error"]["retryAfterSeconds"], 20);
    assert_eq!(again.headers["retry-after"], "20");
    // Another purpose has its own cooldown.
    client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_error(2302); // (the account has a number: only an enrolled device may certify another)
    app.clock.advance(20);
    client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
}

#[tokio::test]
async fn ten_sms_per_hour_then_2391_until_the_oldest_leaves_the_window() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    for _ in 0..10 {
        client
            .post(
                SMS_REQUEST,
                json!({"type": "phoneNumberCertification", "phoneNumber": NEW_NUMBER}),
            )
            .await
            .assert_ok();
        app.clock.advance(31);
    }
    let limited = client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": NEW_NUMBER}),
        )
        .await;
    limited.assert_error(2391);
    assert_eq!(limited.json["error"]["retryAfterSeconds"], 3600 - 310);
    app.clock.advance(3600 - 310);
    let client = app.client("new@demo.test").await;
    client
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_ok();
}

#[tokio::test]
async fn add_phone_number_sets_the_first_trusted_number() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let phone = client.get(TRUSTED_PHONE).await;
    assert_eq!(phone.assert_ok()["phoneNumber"], serde_json::Value::Null);
    let code = client
        .sms_code("phoneNumberCertification", NEW_NUMBER)
        .await;
    let add = client
        .post(
            SMS_SUBMIT,
            json!({"action": "addPhoneNumber", "smsCode": code, "phoneNumber": "0698765432"}),
        )
        .await;
    assert_eq!(add.assert_ok(), &serde_json::Value::Null);
    let phone = client.get(TRUSTED_PHONE).await;
    assert_eq!(phone.assert_ok()["phoneNumber"], NEW_NUMBER);
    assert_eq!(phone.result()["maskedPhoneNumber"], "+33 6•• •• ••32");
    assert_eq!(client.event_kinds().await, ["phoneAdded"]);
    // Single use, and the account now has a number.
    client
        .post(
            SMS_SUBMIT,
            json!({"action": "addPhoneNumber", "smsCode": code, "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_error(2390);
}

#[tokio::test]
async fn wrong_expired_used_and_superseded_codes_are_refused() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let submit = |code: String, number: &'static str| {
        let client = client.clone();
        async move {
            client
                .post(
                    SMS_SUBMIT,
                    json!({"action": "addPhoneNumber", "smsCode": code, "phoneNumber": number}),
                )
                .await
        }
    };
    let first = client
        .sms_code("phoneNumberCertification", NEW_NUMBER)
        .await;
    submit(other_code(&first), NEW_NUMBER)
        .await
        .assert_error(2305);
    // Bound to the number it was sent to.
    submit(first.clone(), "+33698765433")
        .await
        .assert_error(2305);
    // Expired.
    app.clock.advance(601);
    submit(first.clone(), NEW_NUMBER).await.assert_error(2306);
    // A newer code supersedes the older one.
    let older = client
        .sms_code("phoneNumberCertification", NEW_NUMBER)
        .await;
    app.clock.advance(30);
    let newer = client
        .sms_code("phoneNumberCertification", NEW_NUMBER)
        .await;
    if older != newer {
        submit(older, NEW_NUMBER).await.assert_error(2305);
    }
    submit(newer.clone(), NEW_NUMBER).await.assert_ok();
    // Used.
    let phone = app.client("phone@demo.test").await;
    let code = phone.sms_code("enrollment", "+12015550123").await;
    phone
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
        .assert_ok();
    phone
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
        .assert_error(2305);
    // Shape.
    submit("12a456".into(), NEW_NUMBER).await.assert_error(2102);
    client
        .post(
            SMS_SUBMIT,
            json!({"action": "addPhoneNumber", "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_error(2101);
    client
        .post(SMS_SUBMIT, json!({"action": "dance", "smsCode": "123456"}))
        .await
        .assert_error(2102);
}

#[tokio::test]
async fn five_wrong_tries_kill_the_code() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    let code = client.sms_code("enrollment", "+12015550123").await;
    for _ in 0..5 {
        client
            .post(
                SMS_SUBMIT,
                json!({"action": "enrollment", "smsCode": other_code(&code)}),
            )
            .await
            .assert_error(2305);
    }
    client
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
        .assert_error(2306);
}

#[tokio::test]
async fn enrollment_code_says_whether_the_account_has_a_pin_and_needs_a_number() {
    let app = TestApp::new().await;
    let phone = app.client("phone@demo.test").await;
    assert_eq!(
        phone.pass_enrollment_sms("+12015550123").await,
        "NotEnrolled"
    );
    let enrolled = app.client("enrolled@demo.test").await;
    assert_eq!(
        enrolled.pass_enrollment_sms("+12015550124").await,
        "AlreadyEnrolled"
    );
    let new = app.client("new@demo.test").await;
    new.post(
        SMS_SUBMIT,
        json!({"action": "enrollment", "smsCode": "123456"}),
    )
    .await
    .assert_error(2307);
    // No code requested at all.
    let full = app.client("full@demo.test").await;
    full.post(
        SMS_SUBMIT,
        json!({"type": "enrollment", "smsCode": "123456"}),
    )
    .await
    .assert_error(2305);
}

#[tokio::test]
async fn modify_phone_number_needs_a_number_an_enrolled_device_and_the_pin() {
    let app = TestApp::new().await;
    let new = app.client("new@demo.test").await;
    new.post(
        SMS_SUBMIT,
        json!({"action": "modifyPhoneNumber", "smsCode": "123456", "phoneNumber": NEW_NUMBER}),
    )
    .await
    .assert_error(2307);
    let not_enrolled = app.client("enrolled@demo.test").await;
    not_enrolled
        .post(
            SMS_SUBMIT,
            json!({"action": "modifyPhoneNumber", "smsCode": "123456", "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_error(2302);

    let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
    // No code goes to a new number on the password alone, nor on a proof for another
    // operation.
    let certify = json!({"type": "phoneNumberCertification", "phoneNumber": NEW_NUMBER});
    enrolled
        .post(SMS_REQUEST, certify.clone())
        .await
        .assert_error(2302);
    let for_vehicle = enrolled.step_up(PIN).await;
    enrolled
        .post_with(
            SMS_REQUEST,
            certify.clone(),
            ("x-strong-auth", &for_vehicle),
        )
        .await
        .assert_error(2302);
    assert_eq!(
        enrolled
            .get("/api/v1/dev/outbox?to=%2B33698765432")
            .await
            .assert_ok()["messages"],
        json!([])
    );
    let answer = enrolled.change_phone(PIN, NEW_NUMBER).await;
    answer.assert_ok();
    assert_eq!(
        enrolled.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        NEW_NUMBER
    );
    assert_eq!(enrolled.event_kinds().await, ["phoneChanged"]);
    // The code went out as D's own purpose, and the old number got a notice without one.
    let outbox = enrolled.get("/api/v1/dev/outbox").await;
    let messages = outbox.assert_ok()["messages"].as_array().unwrap().clone();
    assert_eq!(messages[0]["to"], ENROLLED_PHONE);
    assert_eq!(messages[0]["purpose"], "phoneChangeNotice");
    let notice = messages[0]["text"].as_str().unwrap();
    assert!(notice.contains("+33 6•• •• ••32"), "{notice}");
    assert!(
        !notice
            .split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() == 6),
        "a notice carries no code: {notice}"
    );
    assert_eq!(messages[1]["to"], NEW_NUMBER);
    assert_eq!(messages[1]["purpose"], "modifyPhoneNumber");
    // Enrollment codes now go to the new number.
    app.clock.advance(30);
    assert_eq!(
        enrolled.pass_enrollment_sms(NEW_NUMBER).await,
        "AlreadyEnrolled"
    );
}

#[tokio::test]
async fn a_code_for_a_first_number_cannot_replace_one() {
    // 4.2's code is asked while the account has no number; once it has one, that
    // code must not serve D (which would skip the PIN).
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let attacker_code = client
        .sms_code("phoneNumberCertification", "+33698765433")
        .await;
    app.clock.advance(30);
    let code = client
        .sms_code("phoneNumberCertification", NEW_NUMBER)
        .await;
    client
        .post(
            SMS_SUBMIT,
            json!({"action": "addPhoneNumber", "smsCode": code, "phoneNumber": NEW_NUMBER}),
        )
        .await
        .assert_ok();
    client
        .post(
            SMS_SUBMIT,
            json!({"action": "modifyPhoneNumber", "smsCode": attacker_code, "phoneNumber": "+33698765433"}),
        )
        .await
        .assert_error(2302);
    assert_eq!(
        client.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        NEW_NUMBER
    );
}

#[tokio::test]
async fn the_outbox_lists_only_the_callers_messages_newest_first() {
    let app = TestApp::new().await;
    let phone = app.client("phone@demo.test").await;
    let enrolled = app.client("enrolled@demo.test").await;
    phone
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    app.clock.advance(1);
    enrolled
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    // Without a session: nothing at all (the outbox is every account's codes).
    app.anonymous()
        .get("/api/v1/dev/outbox")
        .await
        .assert_error(2301);
    app.clock.advance(31);
    enrolled
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    let messages = enrolled.get("/api/v1/dev/outbox").await;
    let messages = messages.assert_ok()["messages"].as_array().unwrap().clone();
    assert_eq!(messages.len(), 2);
    assert!(
        messages[0]["sentAt"].as_i64() > messages[1]["sentAt"].as_i64(),
        "newest first"
    );
    assert_eq!(messages[1]["to"], "+12015550124");
    let own = phone.get("/api/v1/dev/outbox").await;
    let own = own.assert_ok()["messages"].as_array().unwrap().clone();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["to"], "+12015550123");
    // `to` is read as a typed number.
    let filtered = enrolled
        .get("/api/v1/dev/outbox?to=%2B1%20201%20555%200124")
        .await;
    assert_eq!(
        filtered.assert_ok()["messages"].as_array().unwrap().len(),
        2
    );
    let filtered = enrolled.get("/api/v1/dev/outbox?to=%2B12015550123").await;
    assert_eq!(
        filtered.assert_ok()["messages"].as_array().unwrap().len(),
        0
    );
}

#[tokio::test]
async fn messages_use_the_account_language() {
    let app = TestApp::new().await;
    sqlx::query("UPDATE accounts SET locale = 'fr' WHERE email = 'phone@demo.test'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let phone = app.client("phone@demo.test").await;
    phone
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await
        .assert_ok();
    let outbox = phone.get("/api/v1/dev/outbox").await;
    let text = outbox.assert_ok()["messages"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.starts_with("Votre code d'enrôlement est "), "{text}");
}

/// Submits `code` as phone@'s enrollment code.
async fn submit_enrollment_code(client: &Client<'_>, code: &str) -> Answer {
    client
        .post(SMS_SUBMIT, json!({"action": "enrollment", "smsCode": code}))
        .await
}

#[tokio::test]
async fn twenty_wrong_codes_in_a_row_across_codes_block_sms_verification_for_a_day() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    let mut wrong = 0;
    // 25 codes' worth of tries would be 125 guesses; the 20th wrong one stops them.
    'codes: for _ in 0..25 {
        let code = client.sms_code("enrollment", "+12015550123").await;
        if wrong == 20 {
            unreachable!("a code was sent after the 20th wrong one");
        }
        for _ in 0..5 {
            let answer = submit_enrollment_code(&client, &other_code(&code)).await;
            if wrong == 20 {
                answer.assert_error(2317);
                break 'codes;
            }
            assert!(
                answer.code() == 2305 || answer.code() == 2306,
                "{}",
                answer.text
            );
            if answer.code() == 2305 {
                wrong += 1;
            }
        }
        app.clock.advance(30);
        if wrong == 20 {
            // The next try of any code, even a new one's, is refused.
            submit_enrollment_code(&client, &other_code(&code))
                .await
                .assert_error(2317);
            break;
        }
    }
    assert_eq!(wrong, 20);
    // Blocked: neither a right code nor a new code, for a day, said with the wait.
    let refused = client
        .post(SMS_REQUEST, json!({"type": "enrollment"}))
        .await;
    refused.assert_error(2317);
    assert_eq!(refused.json["error"]["pause"], "wrongSmsCodes");
    let wait = refused.json["error"]["retryAfterSeconds"].as_u64().unwrap();
    assert!(wait > 86_000 && wait <= 86_400, "{wait}");
    assert_eq!(refused.headers["retry-after"], wait.to_string().as_str());
    app.clock.advance(wait as i64);
    let client = app.client("phone@demo.test").await;
    let code = client.sms_code("enrollment", "+12015550123").await;
    assert_eq!(
        submit_enrollment_code(&client, &code).await.assert_ok()["status"],
        "NotEnrolled"
    );
}

#[tokio::test]
async fn a_right_code_starts_the_count_of_wrong_codes_again() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    // Twice 19 wrong codes (over 4 codes), each time followed by a right one: without the
    // reset, the second round's 2nd wrong code would be refused as blocked (2317).
    for _ in 0..2 {
        let mut wrong = 0;
        while wrong < 19 {
            let code = client.sms_code("enrollment", "+12015550123").await;
            for _ in 0..5.min(19 - wrong) {
                submit_enrollment_code(&client, &other_code(&code))
                    .await
                    .assert_error(2305);
                wrong += 1;
            }
            app.clock.advance(30);
        }
        let code = client.sms_code("enrollment", "+12015550123").await;
        submit_enrollment_code(&client, &code).await.assert_ok();
        app.clock.advance(30);
    }
}
