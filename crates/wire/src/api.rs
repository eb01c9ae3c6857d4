//! Request and result bodies of every call, named as on the wire (camelCase).

use serde::{Deserialize, Serialize};

use crate::{ErrorBody, ErrorCode};

/// API paths, relative to the origin, so portal and server cannot drift apart.
pub mod paths {
    pub const SESSION: &str = "/api/v1/session";
    /// An embedding host hands a session of its account to the portal's key.
    pub const SESSION_HANDOFF: &str = "/api/v1/session/handoff";
    /// The portal trades the host's embed token for a session of its own.
    pub const SESSION_EXCHANGE: &str = "/api/v1/session/exchange";
    pub const ACCOUNT: &str = "/api/v1/pims/authentication/account";
    pub const IS_DEVICE_ACTIVATED: &str =
        "/api/v1/pims/authentication/account?actionType=strong&type=isDeviceActivated";
    pub const IS_ACCOUNT_BLOCKED: &str =
        "/api/v1/pims/authentication/account?actionType=strong&type=isAccountBlocked";
    pub const TRUSTED_PHONE: &str = "/api/v1/pims/authentication/trustedphonenumber";
    pub const SMS_CODE_REQUEST: &str = "/api/v1/pims/authentication/smscode/request";
    pub const SMS_CODE: &str = "/api/v1/pims/authentication/smscode";
    pub const ENROLLMENT: &str = "/api/v1/pims/authentication/enrollment";
    pub const PIN_CODE: &str = "/api/v1/pims/authentication/pincode";
    pub const OTP: &str = "/api/v1/pims/authentication/otp";
    pub const DEVICES: &str = "/api/v1/pims/authentication/devices";
    pub const VEHICLES: &str = "/api/v1/pims/subscription/vehicle";
    /// Steps 1-3 in one read (the portal's; the three SDK calls stay).
    pub const STATUS: &str = "/api/v1/account/status";
    pub const EVENTS: &str = "/api/v1/account/events";
    pub const SESSIONS: &str = "/api/v1/account/sessions";
    pub const CONFIG: &str = "/api/v1/config";
    pub const OUTBOX: &str = "/api/v1/dev/outbox";
}

/// Seconds since the Unix epoch, UTC: the one time format of the wire.
pub type UnixSeconds = i64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreated {
    pub token: String,
    pub expires_at: UnixSeconds,
    pub login: String,
}

/// The sign-in's answer: the session, and steps 1-3 for the key that signed in, so the first
/// screen after the sign-in needs no second round trip. (An embed token's exchange answers
/// a [`SessionCreated`] alone: the account page, which does it, never reads steps 1-3.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub token: String,
    pub expires_at: UnixSeconds,
    pub login: String,
    pub status: StrongAuthStatus,
}

/// Body of `session/handoff`: the key the portal's session will be bound to. The answer
/// is an [`EmbedToken`], not a session: the host page never holds one of the portal's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionHandoff {
    pub device_id: String,
}

/// What the host passes to its iframe: good once, for a minute, and only with the key
/// the hand-off named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedToken {
    pub embed_token: String,
    pub expires_at: UnixSeconds,
}

/// Body of `session/exchange`; the answer is a [`SessionCreated`], with no cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionExchange {
    pub embed_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub login: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceActivated {
    pub is_device_activated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBlocked {
    /// Kept as a string: the SDK spells it several ways (see [`BlockState::parse`]).
    pub is_account_blocked: String,
}

/// The account's block state. The SDK's pages spell `PinBlocked` two ways, and
/// anything the portal does not recognise must be treated as blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockState {
    NotBlocked,
    PinBlocked,
    AccountBlocked,
    Unknown,
}

impl BlockState {
    pub fn parse(text: &str) -> BlockState {
        match text {
            "NotBlocked" => BlockState::NotBlocked,
            "PinBlocked" | "PINBlocked" => BlockState::PinBlocked,
            "AccountBlocked" => BlockState::AccountBlocked,
            _ => BlockState::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BlockState::NotBlocked => "NotBlocked",
            BlockState::PinBlocked => "PinBlocked",
            BlockState::AccountBlocked => "AccountBlocked",
            BlockState::Unknown => "Unknown",
        }
    }

    pub fn is_blocked(self) -> bool {
        self != BlockState::NotBlocked
    }
}

/// The answers of steps 1-3 (`isDeviceActivated`, `isAccountBlocked`, the trusted phone)
/// in one body, with the device count: `GET /api/v1/account/status`, and the sign-in's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrongAuthStatus {
    pub is_device_activated: bool,
    /// As [`AccountBlocked::is_account_blocked`].
    pub is_account_blocked: String,
    pub phone_number: Option<String>,
    #[serde(default)]
    pub masked_phone_number: Option<String>,
    /// How many devices the account has enrolled (this one included, if it is), so a
    /// browser stopped by the limit is told the count without another read.
    #[serde(default)]
    pub enrolled_devices: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedPhone {
    pub phone_number: Option<String>,
    #[serde(default)]
    pub masked_phone_number: Option<String>,
}

/// Purposes of an SMS message: the codes a client can request (`type` on the wire) and
/// the ones the server sends of its own accord, which the outbox shows too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SmsPurpose {
    PhoneNumberCertification,
    Enrollment,
    #[serde(rename = "resetPIN")]
    ResetPin,
    /// A, to the trusted number: removing every enrollment needs more than the password.
    RemoveEnrollments,
    /// D's code to the new number. Requested as `phoneNumberCertification` by an account
    /// that has a number (after a step-up), and kept apart from 4.2's codes so that a code
    /// asked for before the account had a number can never replace one.
    ModifyPhoneNumber,
    /// Not a code: the notice to the previous number once D has replaced it.
    PhoneChangeNotice,
}

impl SmsPurpose {
    /// The purposes a client may name in `smscode/request`.
    pub const REQUESTABLE: [SmsPurpose; 4] = [
        SmsPurpose::PhoneNumberCertification,
        SmsPurpose::Enrollment,
        SmsPurpose::ResetPin,
        SmsPurpose::RemoveEnrollments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SmsPurpose::PhoneNumberCertification => "phoneNumberCertification",
            SmsPurpose::Enrollment => "enrollment",
            SmsPurpose::ResetPin => "resetPIN",
            SmsPurpose::RemoveEnrollments => "removeEnrollments",
            SmsPurpose::ModifyPhoneNumber => "modifyPhoneNumber",
            SmsPurpose::PhoneChangeNotice => "phoneChangeNotice",
        }
    }

    /// Any purpose by its wire name (the outbox lists them all).
    pub fn named(text: &str) -> Option<SmsPurpose> {
        [SmsPurpose::ModifyPhoneNumber, SmsPurpose::PhoneChangeNotice]
            .into_iter()
            .chain(SmsPurpose::REQUESTABLE)
            .find(|p| p.as_str() == text)
    }

    /// A requestable purpose by its wire name.
    pub fn parse(text: &str) -> Option<SmsPurpose> {
        SmsPurpose::REQUESTABLE
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// The operation a step-up proof is asked for (`operation` of `otp withPIN`): a proof
/// serves that one operation, in the session and on the device that asked for it, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepUpOperation {
    /// E: remove a vehicle association.
    RemoveProperty,
    /// D: the code to a new number is sent only after a step-up.
    ModifyPhoneNumber,
    /// A, from an enrolled device (the other way is a `removeEnrollments` SMS code).
    RemoveEnrollments,
    /// One device removed from the account hub (beyond the SDK).
    RemoveDevice,
}

impl StepUpOperation {
    pub const ALL: [StepUpOperation; 4] = [
        StepUpOperation::RemoveProperty,
        StepUpOperation::ModifyPhoneNumber,
        StepUpOperation::RemoveEnrollments,
        StepUpOperation::RemoveDevice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepUpOperation::RemoveProperty => "removeProperty",
            StepUpOperation::ModifyPhoneNumber => "modifyPhoneNumber",
            StepUpOperation::RemoveEnrollments => "removeEnrollments",
            StepUpOperation::RemoveDevice => "removeDevice",
        }
    }

    pub fn parse(text: &str) -> Option<StepUpOperation> {
        StepUpOperation::ALL
            .into_iter()
            .find(|op| op.as_str() == text)
    }
}

/// Every request body that has a discriminator accepts it as `action` or `type`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discriminator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Discriminator {
    pub fn action(action: &str) -> Discriminator {
        Discriminator {
            action: Some(action.to_string()),
            kind: None,
        }
    }

    pub fn kind(kind: &str) -> Discriminator {
        Discriminator {
            action: None,
            kind: Some(kind.to_string()),
        }
    }

    /// The one discriminator value: both spellings present and different is 2102.
    pub fn value(&self) -> Result<&str, ErrorBody> {
        match (self.action.as_deref(), self.kind.as_deref()) {
            (Some(a), Some(k)) if a != k => Err(ErrorBody::for_parameter(
                ErrorCode::InvalidParameter,
                "action",
            )),
            (Some(a), _) => Ok(a),
            (None, Some(k)) => Ok(k),
            (None, None) => Err(ErrorBody::for_parameter(
                ErrorCode::MissingParameter,
                "action",
            )),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsCodeRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsCodeSent {
    pub expires_in_seconds: u64,
    pub resend_after_seconds: u64,
    pub masked_phone_number: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsCodeSubmit {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrollmentState {
    AlreadyEnrolled,
    NotEnrolled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsCodeAccepted {
    pub status: EnrollmentState,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PinRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_code: Option<String>,
    #[serde(rename = "oldPIN", default, skip_serializing_if = "Option::is_none")]
    pub old_pin: Option<String>,
    #[serde(rename = "newPIN", default, skip_serializing_if = "Option::is_none")]
    pub new_pin: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_code: Option<String>,
    /// What the proof is for ([`StepUpOperation`]); required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepUpProof {
    pub otp: String,
    pub expires_in_seconds: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    pub vin: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicles {
    pub vehicles: Vec<Vehicle>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
}

/// A device's label, as the server writes it from the `User-Agent`: "Chrome on Linux",
/// "Chrome" when the system is not known, or [`UNKNOWN_BROWSER`]. English words the
/// portal says in the visitor's language (browser and system names are names).
pub const BROWSER_ON_OS: &str = " on ";
pub const UNKNOWN_BROWSER: &str = "Unknown browser";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// Names the device to remove it: the thumbprint of its public key, which proves
    /// nothing without the private half the browser cannot give away.
    pub id: String,
    pub label: String,
    pub enrolled_at: UnixSeconds,
    pub last_seen_at: UnixSeconds,
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devices {
    pub devices: Vec<Device>,
}

/// `POST …/devices`: `{action: removeDevice, deviceId}` with a step-up proof.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevicesRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// One signed-in session of the account (beyond the SDK, like every account console).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// Names the session to sign it out; not its token, and worth nothing as one.
    pub id: String,
    /// Where it was opened ("Chrome on Linux").
    pub device: Option<String>,
    pub created_at: UnixSeconds,
    pub last_used_at: UnixSeconds,
    /// The session of this request.
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sessions {
    /// Most recently used first.
    pub sessions: Vec<SessionSummary>,
}

/// `POST …/account/sessions`: `{action: signOut, sessionId}` or `{action: signOutOthers}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsRequest {
    #[serde(flatten)]
    pub discriminator: Discriminator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsSignedOut {
    pub signed_out: u64,
}

/// Kinds of security events, as the server records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    Enrolled,
    EnrollmentsRemoved,
    PinSet,
    PinChanged,
    PinReset,
    PhoneAdded,
    PhoneChanged,
    VehicleRemoved,
    Lockout,
    /// Other sessions signed out from the account hub.
    SessionsSignedOut,
    /// One device removed from the account hub.
    DeviceRemoved,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::Enrolled,
        EventKind::EnrollmentsRemoved,
        EventKind::PinSet,
        EventKind::PinChanged,
        EventKind::PinReset,
        EventKind::PhoneAdded,
        EventKind::PhoneChanged,
        EventKind::VehicleRemoved,
        EventKind::Lockout,
        EventKind::SessionsSignedOut,
        EventKind::DeviceRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Enrolled => "enrolled",
            EventKind::EnrollmentsRemoved => "enrollmentsRemoved",
            EventKind::PinSet => "pinSet",
            EventKind::PinChanged => "pinChanged",
            EventKind::PinReset => "pinReset",
            EventKind::PhoneAdded => "phoneAdded",
            EventKind::PhoneChanged => "phoneChanged",
            EventKind::VehicleRemoved => "vehicleRemoved",
            EventKind::Lockout => "lockout",
            EventKind::SessionsSignedOut => "sessionsSignedOut",
            EventKind::DeviceRemoved => "deviceRemoved",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub kind: EventKind,
    pub at: UnixSeconds,
    /// Label of the device that caused it, when one did.
    pub device: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvents {
    pub events: Vec<SecurityEvent>,
}

/// Runtime configuration the portal reads at start (`GET /api/v1/config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalConfig {
    pub pin_length: u8,
    /// The most devices an account may have enrolled (the hub explains the limit).
    #[serde(default = "default_device_limit")]
    pub device_limit: u32,
    pub demo: bool,
    /// The phone field's country, and the server's for a number in national form.
    pub default_region: String,
    /// The operator did not fix `default_region`: the phone field starts on the country
    /// of the visitor's language (German: DE), English keeping `default_region`.
    #[serde(default)]
    pub region_follows_language: bool,
    #[serde(default)]
    pub frame_ancestors: Vec<String>,
    /// Who is signed in, when the request carried a valid session (absent
    /// otherwise). The portal starts from this rather than `GET /session`,
    /// whose 401 for "nobody" every browser logs as an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
}

/// The most devices an account may have enrolled, unless the server's policy says otherwise.
pub const DEFAULT_DEVICE_LIMIT: u32 = 5;

fn default_device_limit() -> u32 {
    DEFAULT_DEVICE_LIMIT
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub to: String,
    pub text: String,
    pub purpose: SmsPurpose,
    pub sent_at: UnixSeconds,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub messages: Vec<OutboxMessage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_state_accepts_every_spelling_and_treats_the_rest_as_blocked() {
        assert_eq!(BlockState::parse("NotBlocked"), BlockState::NotBlocked);
        assert_eq!(BlockState::parse("PinBlocked"), BlockState::PinBlocked);
        assert_eq!(BlockState::parse("PINBlocked"), BlockState::PinBlocked);
        assert_eq!(
            BlockState::parse("AccountBlocked"),
            BlockState::AccountBlocked
        );
        assert_eq!(BlockState::parse("Unknown"), BlockState::Unknown);
        assert_eq!(BlockState::parse("notblocked"), BlockState::Unknown);
        assert!(BlockState::parse("whatever").is_blocked());
        assert!(!BlockState::NotBlocked.is_blocked());
    }

    #[test]
    fn discriminator_takes_action_or_type_but_not_two_different_ones() {
        let body: PinRequest =
            serde_json::from_str(r#"{"type":"update","oldPIN":"1","newPIN":"2"}"#).unwrap();
        assert_eq!(body.discriminator.value().unwrap(), "update");
        assert_eq!(body.old_pin.as_deref(), Some("1"));
        let body: PinRequest = serde_json::from_str(r#"{"action":"reset"}"#).unwrap();
        assert_eq!(body.discriminator.value().unwrap(), "reset");
        let both_same: PinRequest =
            serde_json::from_str(r#"{"action":"reset","type":"reset"}"#).unwrap();
        assert_eq!(both_same.discriminator.value().unwrap(), "reset");
        let both: PinRequest =
            serde_json::from_str(r#"{"action":"reset","type":"update"}"#).unwrap();
        assert_eq!(
            both.discriminator.value().unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        let none: PinRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(
            none.discriminator.value().unwrap_err().code,
            ErrorCode::MissingParameter
        );
    }

    #[test]
    fn request_bodies_use_the_contract_names() {
        let body = SmsCodeRequest {
            discriminator: Discriminator::kind("phoneNumberCertification"),
            phone_number: Some("+33612345678".into()),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"type": "phoneNumberCertification", "phoneNumber": "+33612345678"})
        );
        let purpose: SmsPurpose = serde_json::from_str("\"resetPIN\"").unwrap();
        assert_eq!(purpose, SmsPurpose::ResetPin);
        assert_eq!(SmsPurpose::parse("resetPIN"), Some(SmsPurpose::ResetPin));
    }
}
