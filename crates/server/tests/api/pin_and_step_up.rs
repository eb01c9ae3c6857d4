//! PIN reset (B) and update (C), step-up (otp withPIN), vehicles (E), devices
//! and events.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn update_pin_checks_the_old_one_and_refuses_the_same() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let update = |old: &str, new: &str| json!({"action": "update", "oldPIN": old, "newPIN": new});
    client
        .post(PIN_CODE, json!({"action": "update", "newPIN": "135790"}))
        .await
        .assert_error(2101);
    client
        .post(PIN_CODE, update(PIN, "123456"))
        .await
        .assert_error(2102);
    let wrong = client.post(PIN_CODE, update("975310", "135790")).await;
    wrong.assert_error(2308);
    assert_eq!(wrong.json["error"]["remainingAttempts"], 2);
    client
        .post(PIN_CODE, update(PIN, PIN))
        .await
        .assert_error(2315);
    client
        .post(PIN_CODE, update(PIN, "135790"))
        .await
        .assert_ok();
    client.step_up("135790").await;
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
    assert_eq!(client.event_kinds().await[..1], ["pinChanged".to_string()]);
    // From a device that is not enrolled.
    let other = app.client("enrolled@demo.test").await;
    other
        .post(PIN_CODE, update("135790", "975310"))
        .await
        .assert_error(2302);
}

#[tokio::test]
async fn wrong_old_pins_count_toward_the_lockout() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    for _ in 0..3 {
        client
            .post(
                PIN_CODE,
                json!({"action": "update", "oldPIN": "975310", "newPIN": "135790"}),
            )
            .await
            .assert_error(2308);
    }
    client
        .post(
            PIN_CODE,
            json!({"action": "update", "oldPIN": PIN, "newPIN": "135790"}),
        )
        .await
        .assert_error(2317);
    assert_eq!(client.block_state().await, "PinBlocked");
}

#[tokio::test]
async fn reset_pin_with_an_sms_code_then_enroll_with_the_new_pin() {
    let app = TestApp::new().await;
    // Forgot the PIN at step 8, on a device not enrolled yet.
    let client = app.client("enrolled@demo.test").await;
    assert_eq!(
        client.pass_enrollment_sms(ENROLLED_PHONE).await,
        "AlreadyEnrolled"
    );
    app.clock.advance(1);
    let code = client.sms_code("resetPIN", ENROLLED_PHONE).await;
    let reset = |pin: &str, code: &str| json!({"action": "reset", "pinCode": pin, "smsCode": code});
    client
        .post(PIN_CODE, reset("123456", &code))
        .await
        .assert_error(2102);
    client
        .post(PIN_CODE, json!({"action": "reset", "pinCode": "135790"}))
        .await
        .assert_error(2101);
    client
        .post(PIN_CODE, reset("135790", &other_code(&code)))
        .await
        .assert_error(2305);
    // Same as the current PIN: refused, the code stays usable.
    client
        .post(PIN_CODE, reset(PIN, &code))
        .await
        .assert_error(2315);
    client
        .post(PIN_CODE, reset("135790", &code))
        .await
        .assert_ok();
    client
        .post(PIN_CODE, reset("975310", &code))
        .await
        .assert_error(2305);
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": "135790"}))
        .await
        .assert_ok();
    assert_eq!(
        client.event_kinds().await[..2],
        ["enrolled".to_string(), "pinReset".to_string()]
    );
}

#[tokio::test]
async fn reset_needs_a_pin_an_enrolled_device_and_a_number() {
    let app = TestApp::new().await;
    let phone = app.client("phone@demo.test").await;
    phone
        .post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_error(2302);
    phone
        .post(
            PIN_CODE,
            json!({"action": "reset", "pinCode": "135790", "smsCode": "123456"}),
        )
        .await
        .assert_error(2302);
    let new = app.client("new@demo.test").await;
    new.post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_error(2307);
    let blocked = app.client("blocked@demo.test").await;
    blocked
        .post(SMS_REQUEST, json!({"type": "resetPIN"}))
        .await
        .assert_error(2317);
}

#[tokio::test]
async fn step_up_needs_an_enrolled_device_and_the_pin() {
    let app = TestApp::new().await;
    let other = app.client("enrolled@demo.test").await;
    other
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await
        .assert_error(2302);
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    client
        .post(
            OTP,
            json!({"action": "withPIN", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2101);
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "12", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2102);
    client
        .post(OTP, json!({"action": "withSMS", "pinCode": PIN}))
        .await
        .assert_error(2102);
    // A proof is asked for one operation, named.
    let answer = client
        .post(OTP, json!({"action": "withPIN", "pinCode": PIN}))
        .await;
    answer.assert_error(2101);
    assert_eq!(
        answer.json["error"]["label"],
        "Missing parameter: operation"
    );
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "everything"}),
        )
        .await
        .assert_error(2102);
    client
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}),
        )
        .await
        .assert_error(2308);
    let answer = client
        .post(
            OTP,
            json!({"type": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await;
    assert_eq!(answer.assert_ok()["expiresInSeconds"], 120);
    assert_eq!(answer.result()["otp"].as_str().unwrap().len(), 43);
}

#[tokio::test]
async fn removing_a_vehicle_needs_a_fresh_single_use_proof_and_ownership() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let vehicles = client.get(VEHICLES).await;
    assert_eq!(
        vehicles.assert_ok()["vehicles"],
        json!([{"vin": "VF1RJA00X68123456", "label": "Renault Clio"}])
    );
    let remove = |vin: &str| json!({"action": "removeProperty", "vin": vin});
    client
        .post(VEHICLES, remove("VF1RJA00X68123456"))
        .await
        .assert_error(2302);
    client
        .post_with(
            VEHICLES,
            remove("VF1RJA00X68123456"),
            ("x-strong-auth", "forged"),
        )
        .await
        .assert_error(2302);
    // Stale.
    let proof = client.step_up(PIN).await;
    app.clock.advance(121);
    client
        .post_with(
            VEHICLES,
            remove("VF1RJA00X68123456"),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_error(2302);
    // Someone else's VIN: 2323, and the proof stays usable.
    let proof = client.step_up(PIN).await;
    client
        .post_with(
            VEHICLES,
            remove("VF3UPHNS0KS123456"),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_error(2323);
    client
        .post_with(
            VEHICLES,
            remove("VF1RJA00X68I23456"),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_error(2102);
    client
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty"}),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_error(2101);
    client
        .post_with(
            VEHICLES,
            remove("vf1rja00x68123456"),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_ok();
    assert_eq!(
        client.get(VEHICLES).await.assert_ok()["vehicles"],
        json!([])
    );
    assert_eq!(client.event_kinds().await, ["vehicleRemoved"]);
    // Single use.
    let new = app.client("new@demo.test").await;
    assert_eq!(
        new.get(VEHICLES).await.assert_ok()["vehicles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    client
        .post_with(
            VEHICLES,
            remove("VF1RJA00X68123456"),
            ("x-strong-auth", &proof),
        )
        .await
        .assert_error(2302);
}

#[tokio::test]
async fn a_proof_is_bound_to_its_session_device_and_operation() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let proof = client.step_up(PIN).await;
    // Same account, another (enrolled) device.
    let second = app.client("enrolled@demo.test").await;
    second.enroll(ENROLLED_PHONE, PIN).await;
    remove_clio(&second, &proof).await.assert_error(2302);
    // Same device, another session of the account.
    let again = app.client_on_enrolled("enrolled@demo.test", 0).await;
    remove_clio(&again, &proof).await.assert_error(2302);
    // Same session, another operation: a proof for D does not remove a vehicle.
    let for_phone = client.step_up_for(PIN, "modifyPhoneNumber").await;
    remove_clio(&client, &for_phone).await.assert_error(2302);
    // Dead at sign-out: the session's proofs are deleted with it.
    let live = || async {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM step_up_proofs WHERE used = 0")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        count
    };
    assert_eq!(live().await, 2);
    client.delete("/api/v1/session").await.assert_ok();
    assert_eq!(live().await, 0);
    // Removing a vehicle from a device that is not enrolled.
    let third = app.client("enrolled@demo.test").await;
    remove_clio(&third, &proof).await.assert_error(2302);
}

#[tokio::test]
async fn devices_and_events_are_the_accounts_own() {
    let app = TestApp::new().await;
    let full = app.client_on_enrolled("full@demo.test", 1).await;
    let devices = full.get(DEVICES).await;
    let devices = devices.assert_ok()["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 5);
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    let current = devices.iter().find(|d| d["current"] == true).unwrap();
    assert_eq!(current["label"], "Chrome on Android");
    assert_eq!(current["lastSeenAt"], START);
    let new = app.client("new@demo.test").await;
    assert_eq!(new.get(DEVICES).await.assert_ok()["devices"], json!([]));
    assert_eq!(new.get(EVENTS).await.assert_ok()["events"], json!([]));
    // Events, newest first, with the device that caused them.
    let client = app.client("phone@demo.test").await;
    client.enroll("+12015550123", "135790").await;
    app.clock.advance(60);
    client
        .remove_enrollments_by_sms("+12015550123")
        .await
        .assert_ok();
    let events = client.get(EVENTS).await;
    let events = events.assert_ok()["events"].as_array().unwrap().clone();
    assert_eq!(
        events[0],
        json!({"kind": "enrollmentsRemoved", "at": START + 60, "device": "Chrome on Linux"})
    );
    assert_eq!(events.len(), 3);
}

/// Removes enrolled@'s vehicle with `proof` as the step-up.
async fn remove_clio(client: &Client<'_>, proof: &str) -> Answer {
    client
        .post_with(
            VEHICLES,
            json!({"action": "removeProperty", "vin": "VF1RJA00X68123456"}),
            ("x-strong-auth", proof),
        )
        .await
}

/// The step-up and its operation in one request: `X-Strong-Auth-PIN` carries the PIN,
/// checked as `otp withPIN` checks it (the same counters and lockout), for removing a
/// vehicle or a device only.
#[tokio::test]
async fn the_pin_can_come_with_the_removal_and_counts_as_a_pin_check() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let remove = |vin: &str| json!({"action": "removeProperty", "vin": vin});
    let pin = |value: &'static str| (wire::STRONG_AUTH_PIN_HEADER, value);

    // Malformed: 2102 naming the header, and no attempt used.
    client
        .post_with(VEHICLES, remove("VF1RJA00X68123456"), pin("12ab56"))
        .await
        .assert_error(2102);
    // Wrong: 2308 with the tries left, the vehicle kept.
    let wrong = client
        .post_with(VEHICLES, remove("VF1RJA00X68123456"), pin("135792"))
        .await;
    wrong.assert_error(2308);
    assert_eq!(wrong.json["error"]["remainingAttempts"], 2);
    // Right, on another account's VIN: 2323; the right PIN resets the count.
    client
        .post_with(VEHICLES, remove("VF3UPHNS0KS123456"), pin(PIN))
        .await
        .assert_error(2323);
    client
        .post_with(VEHICLES, remove("VF1RJA00X68123456"), pin(PIN))
        .await
        .assert_ok();
    assert_eq!(
        client.get(VEHICLES).await.assert_ok()["vehicles"],
        json!([])
    );
    assert_eq!(client.event_kinds().await[0], "vehicleRemoved");

    // A browser that is not enrolled may not step up, PIN or not.
    let stranger = app.client("enrolled@demo.test").await;
    stranger
        .post_with(VEHICLES, remove("VF1RJA00X68123456"), pin(PIN))
        .await
        .assert_error(2302);

    // Three wrong PINs through the header lock the PIN, as three through `otp` would: then
    // even the right one is refused.
    // (The PIN is checked before the id is looked up: any well-formed id does.)
    let other = "A".repeat(43);
    let remove_device = json!({"action": "removeDevice", "deviceId": other});
    for left in [2, 1, 0] {
        let answer = client
            .post_with(DEVICES, remove_device.clone(), pin("135792"))
            .await;
        answer.assert_error(2308);
        assert_eq!(answer.json["error"]["remainingAttempts"], left);
    }
    client
        .post_with(DEVICES, remove_device, pin(PIN))
        .await
        .assert_error(2317);
    assert_eq!(client.block_state().await, "PinBlocked");
}
