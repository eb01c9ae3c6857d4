//! Everything survives a restart on the same database file.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn enrollments_phone_pin_and_lockout_survive_a_restart() {
    let app = TestApp::new().await;
    let device = new_device();
    let token;
    {
        let client = app.client_on("new@demo.test", &device).await;
        let code = client
            .sms_code("phoneNumberCertification", "+33698765432")
            .await;
        client
            .post(
                ENROLLMENT,
                json!({"action": "enrollWithPhoneNumber", "pinCode": "135790", "smsCode": code, "phoneNumber": "+33698765432"}),
            )
            .await
            .assert_ok();
        let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
        for _ in 0..3 {
            enrolled
                .post(OTP, json!({"action": "withPIN", "pinCode": "975310", "operation": "removeProperty"}))
                .await
                .assert_error(2308);
        }
        token = client.token.clone().unwrap();
    }
    let key_before = app.state.key.mac("probe", &[]);

    let app = app.restart().await;
    assert_eq!(
        app.state.key.mac("probe", &[]),
        key_before,
        "the server key is kept"
    );
    // The session too.
    let mut client = app.anonymous();
    client.device = Some(device.clone());
    client.token = Some(token);
    assert_eq!(
        client.get("/api/v1/session").await.assert_ok()["login"],
        "new@demo.test"
    );
    assert!(client.is_enrolled().await);
    assert_eq!(
        client.get(TRUSTED_PHONE).await.assert_ok()["phoneNumber"],
        "+33698765432"
    );
    client.step_up("135790").await;
    assert_eq!(
        client.event_kinds().await,
        ["enrolled", "pinSet", "phoneAdded"]
    );
    let enrolled = app.client_on_enrolled("enrolled@demo.test", 0).await;
    assert_eq!(enrolled.block_state().await, "PinBlocked");
    enrolled
        .post(
            OTP,
            json!({"action": "withPIN", "pinCode": PIN, "operation": "removeProperty"}),
        )
        .await
        .assert_error(2317);
    // The demo seed did not put the accounts back.
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 5);
}
