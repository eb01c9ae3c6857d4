use serde::{Deserialize, Serialize};

use crate::ErrorCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// The error part of a FAILED envelope. Extra fields appear only where they apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// With a 2317 that ends by itself (and `retryAfterSeconds`): which pause it is, so
    /// the portal can say why instead of offering the way out of a lockout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
}

/// The pauses a 2317 can be, as opposed to a lockout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Pause {
    /// B (PIN reset by SMS) waits after D replaced the trusted number.
    RecentPhoneChange,
    /// SMS verification waits after too many wrong codes in a row.
    WrongSmsCodes,
}

impl ErrorBody {
    pub fn new(code: ErrorCode) -> ErrorBody {
        ErrorBody {
            code,
            label: code.label().to_string(),
            remaining_attempts: None,
            retry_after_seconds: None,
            pause: None,
        }
    }

    /// 2101/2102 name the parameter in the label.
    pub fn for_parameter(code: ErrorCode, parameter: &str) -> ErrorBody {
        ErrorBody {
            label: format!("{}: {parameter}", code.label()),
            ..ErrorBody::new(code)
        }
    }
}

/// Every response body of the API is one envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    pub transaction_id: String,
    pub status: Outcome,
    #[serde(default = "none")]
    pub result: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    pub fn succeeded(transaction_id: String, result: Option<T>) -> Envelope<T> {
        Envelope {
            transaction_id,
            status: Outcome::Succeeded,
            result,
            error: None,
        }
    }

    pub fn failed(transaction_id: String, error: ErrorBody) -> Envelope<T> {
        Envelope {
            transaction_id,
            status: Outcome::Failed,
            result: None,
            error: Some(error),
        }
    }

    /// The result of a SUCCEEDED envelope, or its error.
    pub fn into_result(self) -> Result<Option<T>, ErrorBody> {
        match (self.status, self.error) {
            (Outcome::Succeeded, _) => Ok(self.result),
            (Outcome::Failed, Some(error)) => Err(error),
            (Outcome::Failed, None) => Err(ErrorBody::new(ErrorCode::Unknown)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::DeviceActivated;

    #[test]
    fn success_envelope_round_trips_with_the_contract_field_names() {
        let envelope = Envelope::succeeded(
            "5f0c".to_string(),
            Some(DeviceActivated {
                is_device_activated: false,
            }),
        );
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"transactionId": "5f0c", "status": "SUCCEEDED", "result": {"isDeviceActivated": false}})
        );
        let back: Envelope<DeviceActivated> = serde_json::from_value(json).unwrap();
        assert_eq!(back, envelope);
    }

    #[test]
    fn failure_envelope_carries_code_label_and_extras() {
        let mut error = ErrorBody::new(ErrorCode::WrongPin);
        error.remaining_attempts = Some(2);
        let envelope: Envelope<()> = Envelope::failed("t1".into(), error.clone());
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["status"], "FAILED");
        assert_eq!(json["error"]["code"], 2308);
        assert_eq!(json["error"]["label"], "Wrong PIN code");
        assert_eq!(json["error"]["remainingAttempts"], 2);
        assert!(json["error"].get("retryAfterSeconds").is_none());
        let back: Envelope<()> = serde_json::from_value(json).unwrap();
        assert_eq!(back.into_result(), Err(error));
    }

    #[test]
    fn null_result_is_explicit_and_reads_back_as_none() {
        let envelope: Envelope<()> = Envelope::succeeded("t".into(), None);
        let text = serde_json::to_string(&envelope).unwrap();
        assert!(text.contains("\"result\":null"), "{text}");
        let back: Envelope<DeviceActivated> =
            serde_json::from_str(r#"{"transactionId":"t","status":"SUCCEEDED"}"#).unwrap();
        assert_eq!(back.into_result(), Ok(None));
    }

    #[test]
    fn parameter_errors_name_the_parameter() {
        let body = ErrorBody::for_parameter(ErrorCode::InvalidParameter, "X-Device-Id");
        assert_eq!(body.label, "Invalid parameter: X-Device-Id");
    }
}
