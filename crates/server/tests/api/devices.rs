//! One device removed from the hub: behind a fresh single-use step-up proof asked for
//! `removeDevice`, only the account's own devices, the PIN kept, the device signed out.

use serde_json::json;

use crate::common::*;

fn remove(id: &str) -> serde_json::Value {
    json!({"action": "removeDevice", "deviceId": id})
}

async fn device_ids(client: &Client<'_>) -> Vec<String> {
    client.get(DEVICES).await.assert_ok()["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn removing_one_device_needs_a_fresh_proof_and_ownership_and_signs_it_out() {
    let app = TestApp::new().await;
    let phone = app.client_on_enrolled("full@demo.test", 0).await;
    let laptop = app.client_on_enrolled("full@demo.test", 2).await;
    let ids = device_ids(&phone).await;
    assert_eq!(ids.len(), 5);
    // The id is the device's key thumbprint: the list names this device by its own key.
    assert_eq!(ids[0], phone.key().thumbprint());
    assert_eq!(ids[2], laptop.key().thumbprint());
    let target = ids[2].clone();

    phone
        .post(DEVICES, remove(&target))
        .await
        .assert_error(2302);
    // A proof asked for another operation serves that one only.
    let vehicle_proof = phone.step_up(PIN).await;
    phone
        .post_with(DEVICES, remove(&target), ("x-strong-auth", &vehicle_proof))
        .await
        .assert_error(2302);
    // Stale.
    let proof = phone.step_up_for(PIN, "removeDevice").await;
    app.clock.advance(121);
    phone
        .post_with(DEVICES, remove(&target), ("x-strong-auth", &proof))
        .await
        .assert_error(2302);

    let proof = phone.step_up_for(PIN, "removeDevice").await;
    let with_proof = ("x-strong-auth", proof.as_str());
    // Another account's device is as foreign as a made-up id, and the proof stays usable.
    let other = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let others_device = device_ids(&other).await.remove(0);
    phone
        .post_with(DEVICES, remove(&others_device), with_proof)
        .await
        .assert_error(2324);
    phone
        .post_with(DEVICES, remove(&"A".repeat(43)), with_proof)
        .await
        .assert_error(2324);
    // What cannot be a thumbprint is refused as such; the fuzzer's empty id is "missing",
    // as the schema's pattern says it cannot be sent.
    phone
        .post_with(DEVICES, remove("not-a-device"), with_proof)
        .await
        .assert_error(2102);
    phone
        .post_with(DEVICES, remove(""), with_proof)
        .await
        .assert_error(2101);
    phone
        .post_with(DEVICES, json!({"action": "removeDevice"}), with_proof)
        .await
        .assert_error(2101);
    phone
        .post_with(
            DEVICES,
            json!({"action": "removeAll", "deviceId": target}),
            with_proof,
        )
        .await
        .assert_error(2102);
    assert_eq!(device_ids(&other).await, [others_device]);

    phone
        .post_with(DEVICES, remove(&target), with_proof)
        .await
        .assert_ok();
    let left = device_ids(&phone).await;
    assert_eq!(left.len(), 4);
    assert!(!left.contains(&target));
    assert_eq!(phone.event_kinds().await[0], "deviceRemoved");
    // Whoever holds the removed device is signed out; the PIN still works.
    laptop.get(DEVICES).await.assert_error(2301);
    // Single use.
    let again = &left[1];
    phone
        .post_with(DEVICES, remove(again), with_proof)
        .await
        .assert_error(2302);
    let proof = phone.step_up_for(PIN, "removeDevice").await;
    phone
        .post_with(DEVICES, remove(again), ("x-strong-auth", &proof))
        .await
        .assert_ok();
    assert_eq!(device_ids(&phone).await.len(), 3);

    // Signed in with the password on a browser that is not enrolled: no step-up, so no
    // removal, whatever the proof.
    let stranger = app.client("full@demo.test").await;
    stranger
        .post_with(DEVICES, remove(&left[2]), ("x-strong-auth", &proof))
        .await
        .assert_error(2302);
    assert_eq!(device_ids(&phone).await.len(), 3);
}

#[tokio::test]
async fn removing_the_last_device_keeps_the_pin_and_this_session() {
    let app = TestApp::new().await;
    let client = app.client_on_enrolled("enrolled@demo.test", 0).await;
    let ids = device_ids(&client).await;
    assert_eq!(ids, [client.key().thumbprint()]);
    let proof = client.step_up_for(PIN, "removeDevice").await;
    client
        .post_with(DEVICES, remove(&ids[0]), ("x-strong-auth", &proof))
        .await
        .assert_ok();
    // Still signed in, no longer enrolled, and the PIN is kept (unlike A).
    assert_eq!(client.get(DEVICES).await.assert_ok()["devices"], json!([]));
    assert!(!client.is_enrolled().await);
    let with_pin: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE email = 'enrolled@demo.test' AND pin_hash IS NOT NULL",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(with_pin, 1);
    // Enrolling again asks for the PIN the account kept.
    assert_eq!(
        client.pass_enrollment_sms("+12015550124").await,
        "AlreadyEnrolled"
    );
    client
        .post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_ok();
    assert!(client.is_enrolled().await);
}

#[tokio::test]
async fn at_the_device_limit_a_new_browser_frees_a_slot_with_the_pin_and_enrolls() {
    let app = TestApp::new().await;
    let new = app.client("full@demo.test").await;
    assert_eq!(new.block_state().await, "AccountBlocked");
    let ids = device_ids(&new).await;
    assert_eq!(ids.len(), 5);
    // At the limit, the PIN confirms the removal of a device, and nothing else.
    new.post(
        OTP,
        json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
    )
    .await
    .assert_error(2302);
    // A wrong PIN counts toward the lockout, as everywhere.
    let wrong = new
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": "135790", "operation": "removeDevice"}),
        )
        .await;
    wrong.assert_error(2308);
    assert_eq!(wrong.json["error"]["remainingAttempts"], 2);
    let proof = new.step_up_for(PIN, "removeDevice").await;
    new.post_with(DEVICES, remove(&ids[4]), ("x-strong-auth", &proof))
        .await
        .assert_ok();
    assert_eq!(device_ids(&new).await.len(), 4);
    // Below the limit, a browser that is not enrolled asks for nothing more.
    new.post(
        OTP,
        json!({"action": "withPIN", "pinCode": PIN, "operation": "removeDevice"}),
    )
    .await
    .assert_error(2302);
    assert_eq!(new.block_state().await, "NotBlocked");
    assert_eq!(
        new.pass_enrollment_sms("+12015550126").await,
        "AlreadyEnrolled"
    );
    new.post(ENROLLMENT, json!({"action": "enroll", "pinCode": PIN}))
        .await
        .assert_ok();
    let ids = device_ids(&new).await;
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[4], new.key().thumbprint());
}
