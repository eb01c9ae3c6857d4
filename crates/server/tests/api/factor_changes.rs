//! Changes of a factor (B reset PIN, C update PIN, D change phone, A remove all
//! enrollments) need more than the password, end the account's other sessions, and are
//! recorded; the way around the PIN through D then B is closed.

use serde_json::json;

use crate::common::*;

const ATTACKER_NUMBER: &str = "+33698765433";
const NEW_NUMBER: &str = "+33698765432";

/// Whether `client`'s session still works.
async fn signed_in(client: &Client<'_>) -> bool {
    let answer = client.get("/api/v1/session").await;
    match answer.status {
        200 => true,
        _ => {
            answer.assert_error(2301);
            false
        }
    }
}

#[tokio::test]
async fn the_password_and_a_stolen_device_id_take_nothing_over() {
    let app = TestApp::new().await;
    // The attacker knows the password and replays the enrolled device's id.
    let attacker = app.client_on_enrolled("enrolled@demo.test", 0).await;
    // 1. Change the phone: no code leaves for the attacker's number.
    attacker
        .post(
            SMS_REQUEST,
            json!({"type": "phoneNumberCertification", "phoneNumber": ATTACKER_NUMBER}),
        )
        .await
        .assert_error(2302);
    attacker
        .post(
            SMS_SUBMIT,
            json!({"action": "modifyPhoneNumber", "smsCode": "123456", "phoneNumber": ATTACKER_NUMBER}),
        )
        .await
        .assert_error(2302);
    // 2. Reset the PIN: the code goes to the owner's phone, and guessing fails.
    attacker
        .post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_ok();
    let owners_code = app.last_code(ENROLLED_PHONE).await;
    attacker
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": other_code(&owners_code)}),
        )
        .await
        .assert_error(2305);
    // 3. Remove a vehicle, or every enrollment: both need the PIN (or the owner's phone).
    attacker
        .post(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
        )
        .await
        .assert_error(2302);
    attacker
        .post(ENROLLMENT, json!({"action": "remove"}))
        .await
        .assert_error(2302);
    let outbox = attacker.get("/api/v1/dev/outbox?to=%2B33698765433").await;
    assert_eq!(outbox.assert_ok()["messages"], json!([]));
    assert_eq!(
        attacker.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        ENROLLED_PHONE
    );
    assert_eq!(
        attacker.get(VEHICLES).await.assert_ok()["vehicles"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(attacker.event_kinds().await, Vec::<String>::new());

    // The owner's ways still work: D with the PIN, then B waits a day, then B with the
    // new phone, then E with the (new) PIN.
    let owner = app.client_on_enrolled("enrolled@demo.test", 0).await;
    owner.change_phone(PIN, NEW_NUMBER).await.assert_ok();
    app.clock.advance(30);
    let refused = owner.post(SMS_REQUEST, json!({"type": "resetPIN"})).await;
    refused.assert_error(2317);
    assert_eq!(refused.json["error"]["pause"], "recentPhoneChange");
    let wait = refused.json["error"]["retryAfterSeconds"].as_u64().unwrap();
    assert_eq!(wait, 86_400 - 30);
    assert_eq!(refused.headers["retry-after"], wait.to_string().as_str());
    owner
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": "123456"}),
        )
        .await
        .assert_error(2317);
    app.clock.advance(wait as i64);
    // The session was idle past its 30 minutes meanwhile.
    let owner = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let code = owner.sms_code("resetPIN", NEW_NUMBER).await;
    owner
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": code}),
        )
        .await
        .assert_ok();
    let proof = owner.step_up("135790").await;
    owner
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_ok();
    assert_eq!(
        owner.event_kinds().await,
        ["vehicleRemoved", "pinReset", "phoneChanged"]
    );
}

#[tokio::test]
async fn every_change_of_factor_ends_the_other_sessions() {
    let app = TestApp::new().await;
    let device = &app.enrolled_device("enrolled@demo.test", 0).await;
    // C: update the PIN.
    let actor = app.client_on("enrolled@demo.test", device).await;
    let other = app.client("enrolled@demo.test").await;
    let other_account = app.client("phone@demo.test").await;
    actor
        .post(
            PIN_CODE,
            json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"}),
        )
        .await
        .assert_ok();
    assert!(signed_in(&actor).await);
    assert!(!signed_in(&other).await);
    assert!(signed_in(&other_account).await, "another account's session");

    // D: change the phone.
    let other = app.client("enrolled@demo.test").await;
    actor.change_phone("135790", NEW_NUMBER).await.assert_ok();
    assert!(signed_in(&actor).await);
    assert!(!signed_in(&other).await);

    // B: reset the PIN (once the wait after D is over).
    app.clock.advance(86_400);
    let actor = app.client_on("enrolled@demo.test", device).await;
    let other = app.client("enrolled@demo.test").await;
    let code = actor.sms_code("resetPIN", NEW_NUMBER).await;
    actor
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "975312", "smsCode": code}),
        )
        .await
        .assert_ok();
    assert!(signed_in(&actor).await);
    assert!(!signed_in(&other).await);

    // A: remove every enrollment, by SMS.
    let other = app.client("enrolled@demo.test").await;
    actor
        .remove_enrollments_by_sms(NEW_NUMBER)
        .await
        .assert_ok();
    assert!(signed_in(&actor).await);
    assert!(!signed_in(&other).await);

    assert_eq!(
        actor.event_kinds().await,
        [
            "enrollmentsRemoved",
            "pinReset",
            "phoneChanged",
            "pinChanged"
        ]
    );
}

#[tokio::test]
async fn a_is_a_no_op_without_a_trusted_number() {
    let app = TestApp::new().await;
    let client = app.client("new@demo.test").await;
    client
        .post(ENROLLMENT, json!({"action": "remove"}))
        .await
        .assert_ok();
    assert_eq!(client.event_kinds().await, Vec::<String>::new());
    // And there is no code to ask for.
    client
        .post(SMS_REQUEST, json!({"type": "removeEnrollments"}))
        .await
        .assert_error(2307);
}

#[tokio::test]
async fn a_blocked_account_gets_out_by_sms_alone() {
    let app = TestApp::new().await;
    let client = app.client("blocked@demo.test").await;
    assert_eq!(client.block_state().await, "PinBlocked");
    // The PIN path is closed while blocked.
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeEnrollments"}),
        )
        .await
        .assert_error(2302);
    client
        .remove_enrollments_by_sms("+12015550125")
        .await
        .assert_ok();
    assert_eq!(client.block_state().await, "NotBlocked");
}
