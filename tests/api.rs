//! The API client's reading and writing of JSON, in headless Chromium: the portal parses
//! with the browser's `JSON.parse` and types the value with serde, and writes with
//! `JSON.stringify`, while the server uses serde_json. These check that the two agree
//! on the contract's shapes and that a bad answer becomes an [`ApiError`].
#![cfg(target_arch = "wasm32")]

use portal::api::{self, decode, ApiError, HttpResponse};
use wasm_bindgen_test::*;
use wire::api::{DeviceActivated, Discriminator, EnrollmentRequest, PinRequest, SecurityEvents};
use wire::ErrorCode;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::fake_server;

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.to_string(),
    }
}

#[wasm_bindgen_test]
fn wrong_pin_keeps_the_remaining_attempts() {
    let body = r#"{"transactionId":"t","status":"FAILED","error":{"code":2308,"label":"Wrong PIN code","remainingAttempts":2}}"#;
    let error = decode::<()>(response(422, body)).unwrap_err();
    assert_eq!(
        error,
        ApiError::Api {
            code: ErrorCode::WrongPin,
            label: "Wrong PIN code".into(),
            remaining_attempts: Some(2),
            retry_after_seconds: None,
            pause: None,
        }
    );
    assert!(!error.is_retryable());
}

#[wasm_bindgen_test]
fn a_lockout_says_when_to_retry() {
    let body = r#"{"transactionId":"t","status":"FAILED","error":{"code":2391,"label":"x","retryAfterSeconds":86400}}"#;
    match decode::<()>(response(429, body)) {
        Err(ApiError::Api {
            retry_after_seconds,
            ..
        }) => assert_eq!(retry_after_seconds, Some(86_400)),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn parameter_errors_name_their_field() {
    let body = r#"{"transactionId":"t","status":"FAILED","error":{"code":2102,"label":"Invalid parameter: phoneNumber"}}"#;
    let error = decode::<()>(response(400, body)).unwrap_err();
    assert_eq!(error.parameter(), Some("phoneNumber"));
    let body = r#"{"transactionId":"t","status":"FAILED","error":{"code":2305,"label":"x: y"}}"#;
    assert_eq!(
        decode::<()>(response(422, body)).unwrap_err().parameter(),
        None
    );
}

#[wasm_bindgen_test]
fn code_2301_means_the_session_expired() {
    let body = r#"{"transactionId":"t","status":"FAILED","error":{"code":2301,"label":"x"}}"#;
    assert_eq!(
        decode::<()>(response(401, body)),
        Err(ApiError::SessionExpired)
    );
    assert_eq!(
        decode::<()>(response(401, "<html>")),
        Err(ApiError::SessionExpired)
    );
}

#[wasm_bindgen_test]
fn a_non_envelope_answer_is_a_bad_response_worth_retrying() {
    for body in [
        "<html>Bad gateway</html>",
        "",
        "null",
        "[]",
        r#"{"transactionId":"t"}"#,
        r#"{"transactionId":"t","status":"MAYBE"}"#,
        r#"{"transactionId":"t","status":"FAILED","error":{"code":"2308","label":"x"}}"#,
    ] {
        let error = decode::<()>(response(502, body)).unwrap_err();
        assert!(
            matches!(error, ApiError::BadResponse(_)),
            "{body}: {error:?}"
        );
        assert!(error.is_retryable(), "{body}");
    }
}

#[wasm_bindgen_test]
fn success_reads_the_result() {
    let body = r#"{"transactionId":"t","status":"SUCCEEDED","result":{"isDeviceActivated":true}}"#;
    let result = decode::<DeviceActivated>(response(200, body)).unwrap();
    assert_eq!(
        result,
        Some(DeviceActivated {
            is_device_activated: true
        })
    );
    let body = r#"{"transactionId":"t","status":"SUCCEEDED","result":null}"#;
    assert_eq!(decode::<DeviceActivated>(response(200, body)), Ok(None));
    let body = r#"{"transactionId":"t","status":"SUCCEEDED"}"#;
    assert_eq!(decode::<DeviceActivated>(response(200, body)), Ok(None));
}

#[wasm_bindgen_test]
fn a_result_of_the_wrong_shape_is_a_bad_response() {
    for result in [r#"{"isDeviceActivated":"yes"}"#, r#"{}"#, "7"] {
        let body = format!(r#"{{"transactionId":"t","status":"SUCCEEDED","result":{result}}}"#);
        let error = decode::<DeviceActivated>(response(200, &body)).unwrap_err();
        assert!(
            matches!(error, ApiError::BadResponse(_)),
            "{result}: {error:?}"
        );
    }
}

/// Numbers, nulls, enums and nesting read as the server's serde_json reads them.
#[wasm_bindgen_test]
fn a_result_reads_as_serde_json_reads_it() {
    let result = r#"{"events":[{"kind":"pinChanged","at":1796083200,"device":null},{"kind":"phoneChanged","at":4102444800,"device":"Chrome on Linux"}]}"#;
    let expected: SecurityEvents = serde_json::from_str(result).unwrap();
    let body = format!(r#"{{"transactionId":"t","status":"SUCCEEDED","result":{result}}}"#);
    assert_eq!(
        decode::<SecurityEvents>(response(200, &body)),
        Ok(Some(expected))
    );
}

/// The bodies sent, to a fake server that answers every request with success.
fn sent_bodies() -> impl Fn() -> Vec<String> {
    let seen = fake_server(|_| {
        let body = r#"{"transactionId":"t","status":"SUCCEEDED"}"#;
        (200, body.to_string())
    });
    move || {
        seen.borrow()
            .iter()
            .filter_map(|r| r.body.clone())
            .collect()
    }
}

/// Each body is byte for byte what serde_json writes: flattened discriminators, renamed
/// and omitted fields.
#[wasm_bindgen_test]
async fn request_bodies_are_written_as_serde_json_writes_them() {
    let sent = sent_bodies();
    let enrollment = EnrollmentRequest {
        discriminator: Discriminator::action("activate"),
        pin_code: Some("1234".into()),
        sms_code: None,
        phone_number: Some("+33612345678".into()),
    };
    let pin = PinRequest {
        discriminator: Discriminator {
            action: None,
            kind: Some("update".into()),
        },
        pin_code: None,
        sms_code: None,
        old_pin: Some("1234".into()),
        new_pin: Some("5678".into()),
    };
    api::enrollment(enrollment.clone()).await.unwrap();
    api::pin_code(pin.clone()).await.unwrap();
    let sent = sent();
    assert_eq!(
        sent,
        vec![
            serde_json::to_string(&enrollment).unwrap(),
            serde_json::to_string(&pin).unwrap(),
        ]
    );
    assert!(sent[1].contains(r#""oldPIN":"1234","newPIN":"5678""#));
}
