//! Enrollment: first PIN, PIN check with the lockout, the device limit,
//! the shortcut with the phone number, removal.

use serde_json::json;

use crate::common::*;

const PHONE: &str = "+12015550123";

#[tokio::test]
async fn first_enrollment_sets_the_pin_and_enrolls_this_device() {
    let app = TestApp::new().await;
    let client = app.client("phone@demo.test").await;
    assert!(!client.is_enrolled().await);
    assert_eq!(client.pass_enrollment_sms(PHONE).await, "NotEnrolled");
    // Weak or malformed PINs are refused before anything changes.
    for (pin, code) in [
        ("123456", 2102),
        ("111111", 2102),
        ("2468", 2102),
        ("", 2101),
    ] {
        client
            .post(ENROLLMENT, json!({"action": "enroll", "pinCode": pin}))
            .await
            .assert_error(code);
    }
    client
        .post(ENROLLMENT, json!({"action": "enroll"}))
        .await
        .assert_error(2101);
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "135790"}))
        .await
        .assert_ok();
    assert!(client.is_enrolled().await);
    assert_eq!(client.event_kinds().await, ["enrolled", "pinSet"]);
    let devices = client.get(DEVICES).await;
    let devices = devices.assert_ok()["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["label"], "Chrome on Linux");
    assert_eq!(devices[0]["current"], true);
    assert_eq!(devices[0]["enrolledAt"], START);
    // The ticket was consumed.
    let again = app.client("phone@demo.test").await;
    again
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "135790"}))
        .await
        .assert_error(2305);
}

#[tokio::test]
async fn enroll_needs_a_ticket_or_an_enrollment_code() {
    let app = TestApp::new().await;
    let client = app.client("enrolled@demo.test").await;
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_error(2305);
    let code = client.sms_code("enrollment", ENROLLED_PHONE).await;
    client
        .post(
            ENROLLMENT,
            json!({"action": "enroll", "pinCode": PIN, "smsCode": other_code(&code)}),
        )
        .await
        .assert_error(2305);
    client
        .post(
            ENROLLMENT,
            json!({"action": "enroll", "pinCode": PIN, "smsCode": code}),
        )
        .await
        .assert_ok();
    assert!(client.is_enrolled().await);
}

#[tokio::test]
async fn the_enrollment_ticket_expires() {
    let app = TestApp::new().await;
    let client = app.client("enrolled@demo.test").await;
    assert_eq!(
        client.pass_enrollment_sms(ENROLLED_PHONE).await,
        "AlreadyEnrolled"
    );
    app.clock.advance(601);
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_error(2305);
}

#[tokio::test]
async fn three_wrong_pins_block_the_account_and_then_every_pin_operation_is_2317() {
    let app = TestApp::new().await;
    let client = app.client("enrolled@demo.test").await;
    client.pass_enrollment_sms(ENROLLED_PHONE).await;
    for remaining in [2, 1, 0] {
        let answer = client
            .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "975310"}))
            .await;
        answer.assert_error(2308);
        assert_eq!(answer.json["error"]["remainingAttempts"], remaining);
    }
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_error(2317);
    assert_eq!(client.block_state().await, "PinBlocked");
    assert!(!client.is_enrolled().await);
    assert_eq!(client.event_kinds().await, ["lockout"]);
    // Every PIN operation, from the enrolled device too.
    let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
    enrolled
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await
        .assert_error(2317);
    enrolled
        .post(
            PIN_CODE,
            json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"}),
        )
        .await
        .assert_error(2317);
    enrolled
        .post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_error(2317);
    enrolled
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": "123456"}),
        )
        .await
        .assert_error(2317);
}

#[tokio::test]
async fn a_right_pin_resets_the_failure_count() {
    let app = TestApp::new().await;
    let client = app.client("enrolled@demo.test").await;
    client.pass_enrollment_sms(ENROLLED_PHONE).await;
    for _ in 0..2 {
        client
            .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "975310"}))
            .await
            .assert_error(2308);
    }
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_ok();
    let answer = client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}),
        )
        .await;
    answer.assert_error(2308);
    assert_eq!(answer.json["error"]["remainingAttempts"], 2);
}

#[tokio::test]
async fn a_blocked_account_cannot_enroll() {
    let app = TestApp::new().await;
    let client = app.client("blocked@demo.test").await;
    assert_eq!(client.block_state().await, "PinBlocked");
    client.pass_enrollment_sms("+12015550125").await;
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_error(2317);
}

#[tokio::test]
async fn a_sixth_device_is_refused() {
    let app = TestApp::new().await;
    let client = app.client("full@demo.test").await;
    assert_eq!(client.block_state().await, "AccountBlocked");
    assert_eq!(
        client.pass_enrollment_sms("+12015550126").await,
        "AlreadyEnrolled"
    );
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_error(2317);
    // An enrolled device re-enrolling is not a new device.
    let known = app.client_on_enrolled("full@demo.test", 2).await;
    app.clock.advance(30);
    known.pass_enrollment_sms("+12015550126").await;
    known
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_ok();
}

#[tokio::test]
async fn enroll_with_phone_number_sets_number_and_pin_in_one_call() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    let number = "+33698765432";
    let code = client.sms_code("phoneNumberCertification", number).await;
    let body = |pin: &str, code: &str, phone: Option<&str>| {
        let mut body = json!({"action": "enrollWithPhoneNumber", "pinCode": pin, "smsCode": code});
        if let Some(phone) = phone {
            body["phoneNumber"] = json!(phone);
        }
        body
    };
    client
        .post(ENROLLMENT, body("135790", &code, None))
        .await
        .assert_error(2101);
    client
        .post(ENROLLMENT, body("123456", &code, Some(number)))
        .await
        .assert_error(2102);
    client
        .post(ENROLLMENT, body("135790", &other_code(&code), Some(number)))
        .await
        .assert_error(2305);
    client
        .post(ENROLLMENT, body("135790", &code, Some("06 98 76 54 32")))
        .await
        .assert_ok();
    assert!(client.is_enrolled().await);
    assert_eq!(
        client.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        number
    );
    assert_eq!(
        client.event_kinds().await,
        ["enrolled", "pinSet", "phoneAdded"]
    );
    client.step_up("135790").await;
    // The account now has a number.
    app.clock.advance(30);
    let other = app.client("new@demo.test").await;
    other
        .post(ENROLLMENT, body("135790", "123456", Some(number)))
        .await
        .assert_error(2390);
    let phone = app.client("phone@demo.test").await;
    phone
        .post(ENROLLMENT, body("135790", "123456", Some(number)))
        .await
        .assert_error(2390);
}

#[tokio::test]
async fn remove_drops_devices_pin_and_block_but_keeps_the_phone() {
    let app = TestApp::new().await;
    let client = app.client("blocked@demo.test").await;
    // The password alone is not enough.
    client
        .post(ENROLLMENT, json!({"action": "remove"}))
        .await
        .assert_error(2302);
    client
        .post_with(
            ENROLLMENT,
            json!({"action": "remove"}),
            ("x-strong-auth", "forged"),
        )
        .await
        .assert_error(2302);
    assert_eq!(client.block_state().await, "PinBlocked");
    // A wrong code neither.
    client
        .post(SMS_REQUEST, json!({"type": "removeEnrollments"}))
        .await
        .assert_ok();
    let code = app.last_code("+12015550125").await;
    client
        .post(
            ENROLLMENT,
            json!({"action": "remove", "smsCode": other_code(&code)}),
        )
        .await
        .assert_error(2305);
    let answer = client
        .post(ENROLLMENT, json!({"action": "remove", "smsCode": code}))
        .await;
    assert_eq!(answer.assert_ok(), &serde_json::Value::Null);
    assert_eq!(client.block_state().await, "NotBlocked");
    assert_eq!(client.get(DEVICES).await.assert_ok()["devices"], json!([]));
    assert_eq!(
        client.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        "+12015550125"
    );
    assert_eq!(client.event_kinds().await, ["enrollmentsRemoved"]);
    // Enrollment restarts: no PIN any more.
    assert_eq!(
        client.pass_enrollment_sms("+12015550125").await,
        "NotEnrolled"
    );
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "135790"}))
        .await
        .assert_ok();
    assert!(client.is_enrolled().await);

    // From an enrolled device, a step-up proof asked for A serves too.
    let full = app.client_on_enrolled("full@demo.test", 1).await;
    let proof = full.step_up_for(PIN, "removeEnrollments").await;
    full.post_with(
        ENROLLMENT,
        json!({"type": "remove"}),
        ("x-strong-auth", &proof),
    )
    .await
    .assert_ok();
    assert_eq!(full.block_state().await, "NotBlocked");
    full.post(ENROLLMENT, json!({"action": "unenroll"}))
        .await
        .assert_error(2102);
}

#[tokio::test]
async fn enroll_with_a_code_on_an_account_without_a_number_is_2307() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    client
        .post(
            ENROLLMENT,
            json!({"action": "enroll", "pinCode": "135790", "smsCode": "123456"}),
        )
        .await
        .assert_error(2307);
}
