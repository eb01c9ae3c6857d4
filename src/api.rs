//! The one typed client of the server API.
//!
//! Every call goes through [`send_raw`]: each request carries a DPoP proof
//! signed by this browser's device key (see [`device`]) and the bearer token, a
//! timeout applies, and any non-success becomes an [`ApiError`] in one place. The transport can be replaced by a fake (see [`set_transport`]) so
//! component tests run in the browser without a server.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wire::api::{self, paths};
use wire::{Envelope, ErrorBody, ErrorCode};

use crate::device;

/// Client-side errors are plain data (strings and numbers) so they are
/// `Clone + Send + Sync` and can live in signals and error boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error envelope.
    Api {
        code: ErrorCode,
        label: String,
        remaining_attempts: Option<u32>,
        retry_after_seconds: Option<u64>,
        /// A 2317 that ends by itself, and why.
        pause: Option<wire::Pause>,
    },
    /// 2301: no session or an expired one; the user must sign in again.
    SessionExpired,
    /// The request never got an answer (offline, DNS, CORS, server down).
    Network(String),
    /// No answer within [`TIMEOUT_MS`].
    Timeout,
    /// An answer we could not read (a proxy's HTML page, a truncated body).
    BadResponse(String),
    /// This browser cannot make or keep a device key (no WebCrypto, no IndexedDB, a
    /// private window that refuses storage): no request can be signed.
    NoDeviceKey,
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api { code, .. } => Some(*code),
            ApiError::SessionExpired => Some(ErrorCode::NeedBasicAuthentication),
            _ => None,
        }
    }

    /// The parameter a 2101/2102 is about (the server names it in the label,
    /// "Invalid parameter: phoneNumber"), so the screen can show the error
    /// next to that field.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            ApiError::Api {
                code: ErrorCode::MissingParameter | ErrorCode::InvalidParameter,
                label,
                ..
            } => label.rsplit_once(": ").map(|(_, name)| name),
            _ => None,
        }
    }

    /// Worth offering a "try again" button: the request may not have reached
    /// the server, or the server failed on its side.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Network(_)
                | ApiError::Timeout
                | ApiError::BadResponse(_)
                | ApiError::Api {
                    code: ErrorCode::ServerError | ErrorCode::Unknown,
                    ..
                }
        )
    }

    fn from_body(body: ErrorBody) -> ApiError {
        if body.code == ErrorCode::NeedBasicAuthentication {
            return ApiError::SessionExpired;
        }
        ApiError::Api {
            code: body.code,
            label: body.label,
            remaining_attempts: body.remaining_attempts,
            retry_after_seconds: body.retry_after_seconds,
            pause: body.pause,
        }
    }
}

pub const TIMEOUT_MS: u32 = 15_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

pub type TransportFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, ApiError>>>>;
pub type Transport = Rc<dyn Fn(HttpRequest) -> TransportFuture>;

thread_local! {
    static TRANSPORT: RefCell<Option<Transport>> = const { RefCell::new(None) };
    // The bearer token lives in memory only: never in web storage. Standalone,
    // the HttpOnly session cookie carries the session across reloads instead.
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    // Steps 1-3 as the sign-in answered them (and when, in ms), for the first screen after
    // it, which then needs no round trip of its own. Any write after the sign-in may change
    // them: `send_raw` drops them on every request but a GET; and they serve only for
    // SIGNED_IN_STATUS_MS, as the screen that follows the sign-in opens at once.
    static SIGNED_IN_STATUS: RefCell<Option<(api::StrongAuthStatus, f64)>> = const { RefCell::new(None) };
}

/// Replaces the network with `transport` (tests).
pub fn set_transport(transport: Transport) {
    TRANSPORT.with(|t| *t.borrow_mut() = Some(transport));
}

pub fn set_token(token: Option<String>) {
    TOKEN.with(|t| *t.borrow_mut() = token);
    // Another session, or none: what the last sign-in answered is not its status.
    SIGNED_IN_STATUS.with(|s| s.take());
}

fn request(method: &'static str, path: &str, body: Option<String>) -> HttpRequest {
    let mut headers = Vec::new();
    if let Some(token) = TOKEN.with(|t| t.borrow().clone()) {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    if body.is_some() {
        headers.push(("Content-Type", "application/json".to_string()));
    }
    HttpRequest {
        method,
        path: path.to_string(),
        body,
        headers,
    }
}

/// The `result` of a SUCCEEDED envelope, parsed but not yet typed, or the error.
type RawResult = Result<Option<JsValue>, ApiError>;

async fn send<T: DeserializeOwned>(request: HttpRequest) -> Result<Option<T>, ApiError> {
    parse(send_raw(request).await)
}

// Neither generic nor inlined into each call: the exchange and the envelope
// exist once in the wasm, and each result type adds only its own parsing
// (with the envelope decoded per type, every API call cost ~3 KB).
fn send_raw(request: HttpRequest) -> Pin<Box<dyn Future<Output = RawResult>>> {
    if request.method != "GET" {
        SIGNED_IN_STATUS.with(|s| s.take());
    }
    Box::pin(async move { decode_envelope(exchange(signed(request).await?).await?) })
}

/// Adds the request's DPoP proof: for this method and this URL, bound to the bearer token
/// the request carries (the same one, read from its header, never a newer one).
async fn signed(mut request: HttpRequest) -> Result<HttpRequest, ApiError> {
    let token = request
        .headers
        .iter()
        .find(|(name, _)| *name == "Authorization")
        .and_then(|(_, value)| value.strip_prefix("Bearer "))
        .map(str::to_string);
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let path = request.path.split(['?', '#']).next().unwrap_or_default();
    let proof = device::proof(request.method, &format!("{origin}{path}"), token.as_deref())
        .await
        .map_err(|device::Unsupported| ApiError::NoDeviceKey)?;
    request.headers.push((wire::DPOP_HEADER, proof));
    Ok(request)
}

fn exchange(request: HttpRequest) -> TransportFuture {
    match TRANSPORT.with(|t| t.borrow().clone()) {
        Some(transport) => transport(request),
        None => Box::pin(fetch(request)),
    }
}

/// Reads an envelope; the HTTP status only matters when the body is not one.
pub fn decode<T: DeserializeOwned>(response: HttpResponse) -> Result<Option<T>, ApiError> {
    parse(decode_envelope(response))
}

// JSON is parsed by the browser (`JSON.parse`) and typed by serde from the parsed value
// (see `crate::json`).
fn decode_envelope(response: HttpResponse) -> RawResult {
    // The envelope's own fields only; `result` is typed by the caller, which knows its type.
    let envelope = js_sys::JSON::parse(&response.body)
        .map_err(|_| "not JSON".to_string())
        .and_then(|value| {
            crate::json::from_value::<Envelope<IgnoredAny>>(value.clone())
                .map(|envelope| (envelope, value))
                .map_err(|error| error.to_string())
        });
    match envelope {
        Ok((envelope, value)) => match envelope.into_result() {
            Ok(Some(_)) => Ok(js_sys::Reflect::get(&value, &JsValue::from_str("result")).ok()),
            Ok(None) => Ok(None),
            Err(body) => Err(ApiError::from_body(body)),
        },
        Err(_) if response.status == 401 => Err(ApiError::SessionExpired),
        Err(error) => Err(ApiError::BadResponse(format!(
            "HTTP {}: {error}",
            response.status
        ))),
    }
}

fn parse<T: DeserializeOwned>(raw: RawResult) -> Result<Option<T>, ApiError> {
    match raw? {
        None => Ok(None),
        Some(value) => crate::json::from_value(value)
            .map(Some)
            .map_err(|error| ApiError::BadResponse(error.to_string())),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    crate::json::to_string(value).map_err(|error| error.to_string())
}

// The browser's fetch, called directly: gloo-net's wrapper and its error type (whose
// formatting kept serde_json's in the wasm) were 2.3 KB gzip of a first visit.
async fn fetch(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let network = |error: JsValue| ApiError::Network(js_message(&error));
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".to_string()))?;
    let headers = web_sys::Headers::new().map_err(network)?;
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(network)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method);
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    let controller = web_sys::AbortController::new().ok();
    init.set_signal(controller.as_ref().map(|c| c.signal()).as_ref());
    let timed_out = Rc::new(std::cell::Cell::new(false));
    let _timer = {
        let timed_out = timed_out.clone();
        gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || {
            timed_out.set(true);
            if let Some(controller) = controller {
                controller.abort();
            }
        })
    };
    // The timeout covers the body too: aborting fails a read under way.
    let failed = |error: JsValue| {
        if timed_out.get() {
            ApiError::Timeout
        } else {
            network(error)
        }
    };
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&request.path, &init))
            .await
            .map_err(failed)?
            .unchecked_into();
    let status = response.status();
    let body = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    Ok(HttpResponse { status, body })
}

/// The message of a JavaScript error (fetch's `TypeError`, an `AbortError`).
fn js_message(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| "the request failed".to_string())
}

/// A static file of the portal's own origin, as text; no credentials, since
/// it is the same for everyone. Through [`exchange`], so it shares the fetch
/// code (and its timeout) with the API.
pub async fn static_text(path: &str) -> Result<String, ApiError> {
    let request = HttpRequest {
        method: "GET",
        path: path.to_string(),
        body: None,
        headers: Vec::new(),
    };
    match exchange(request).await? {
        HttpResponse { status: 200, body } => Ok(body),
        HttpResponse { status, .. } => Err(ApiError::BadResponse(format!("HTTP {status}"))),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<Option<T>, ApiError> {
    send(request("GET", path, None)).await
}

async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<Option<T>, ApiError> {
    send(post_request(path, body)?).await
}

fn post_request<B: Serialize>(path: &str, body: &B) -> Result<HttpRequest, ApiError> {
    let body = to_json(body).map_err(ApiError::BadResponse)?;
    Ok(request("POST", path, Some(body)))
}

/// A result the contract says is always present.
fn required<T>(result: Result<Option<T>, ApiError>) -> Result<T, ApiError> {
    result?.ok_or_else(|| ApiError::BadResponse("missing result".to_string()))
}

pub async fn config() -> Result<api::PortalConfig, ApiError> {
    required(get(paths::CONFIG).await)
}

pub async fn sign_in(email: String, password: String) -> Result<api::SignedIn, ApiError> {
    let created: api::SignedIn =
        required(post(paths::SESSION, &api::SignIn { email, password }).await)?;
    set_token(Some(created.token.clone()));
    let now = js_sys::Date::now();
    SIGNED_IN_STATUS.with(|s| *s.borrow_mut() = Some((created.status.clone(), now)));
    Ok(created)
}

/// Trades an embedding host's embed token for a session bound to this browser's key.
pub async fn trade_embed_token(embed_token: String) -> Result<api::SessionCreated, ApiError> {
    let created: api::SessionCreated = required(
        post(
            paths::SESSION_EXCHANGE,
            &api::SessionExchange { embed_token },
        )
        .await,
    )?;
    set_token(Some(created.token.clone()));
    Ok(created)
}

pub async fn sign_out() -> Result<(), ApiError> {
    let result = send_raw(request("DELETE", paths::SESSION, None)).await;
    set_token(None);
    match result {
        Ok(_) | Err(ApiError::SessionExpired) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Steps 1-3 in one read: the sign-in's answer when nothing was written since, else
/// `GET /api/v1/account/status`.
pub async fn status() -> Result<api::StrongAuthStatus, ApiError> {
    match SIGNED_IN_STATUS.with(|s| s.take()) {
        Some((status, at)) if js_sys::Date::now() - at < SIGNED_IN_STATUS_MS => Ok(status),
        _ => required(get(paths::STATUS).await),
    }
}

/// How long the sign-in's answer stands for steps 1-3.
const SIGNED_IN_STATUS_MS: f64 = 10_000.0;

pub async fn is_device_activated() -> Result<bool, ApiError> {
    required::<api::DeviceActivated>(get(paths::IS_DEVICE_ACTIVATED).await)
        .map(|r| r.is_device_activated)
}

pub async fn block_state() -> Result<api::BlockState, ApiError> {
    required::<api::AccountBlocked>(get(paths::IS_ACCOUNT_BLOCKED).await)
        .map(|r| api::BlockState::parse(&r.is_account_blocked))
}

pub async fn trusted_phone() -> Result<api::TrustedPhone, ApiError> {
    required(get(paths::TRUSTED_PHONE).await)
}

/// `proof`: the step-up proof D needs to have a code sent to a new number.
pub async fn request_sms_code(
    purpose: api::SmsPurpose,
    phone_number: Option<String>,
    proof: Option<String>,
) -> Result<api::SmsCodeSent, ApiError> {
    let body = api::SmsCodeRequest {
        discriminator: api::Discriminator::kind(purpose.as_str()),
        phone_number,
    };
    let request = with_proof(post_request(paths::SMS_CODE_REQUEST, &body)?, proof);
    required(send(request).await)
}

/// `proof`: the step-up proof that `modifyPhoneNumber` spends.
pub async fn submit_sms_code(
    action: &str,
    sms_code: String,
    phone_number: Option<String>,
    proof: Option<String>,
) -> Result<Option<api::SmsCodeAccepted>, ApiError> {
    let body = api::SmsCodeSubmit {
        discriminator: api::Discriminator::action(action),
        sms_code: Some(sms_code),
        phone_number,
    };
    send(with_proof(post_request(paths::SMS_CODE, &body)?, proof)).await
}

pub async fn enrollment(body: api::EnrollmentRequest) -> Result<(), ApiError> {
    send_raw(post_request(paths::ENROLLMENT, &body)?)
        .await
        .map(drop)
}

/// The step-up proof, when there is one, in `X-Strong-Auth`.
fn with_proof(mut request: HttpRequest, proof: Option<String>) -> HttpRequest {
    if let Some(proof) = proof {
        request.headers.push((wire::STRONG_AUTH_HEADER, proof));
    }
    request
}

pub async fn pin_code(body: api::PinRequest) -> Result<(), ApiError> {
    send_raw(post_request(paths::PIN_CODE, &body)?)
        .await
        .map(drop)
}

/// A step-up proof for `operation`: it serves that operation once, in this session.
pub async fn step_up(
    pin_code: String,
    operation: api::StepUpOperation,
) -> Result<api::StepUpProof, ApiError> {
    let body = api::OtpRequest {
        discriminator: api::Discriminator::action("withPIN"),
        pin_code: Some(pin_code),
        operation: Some(operation.as_str().to_string()),
    };
    required(post(paths::OTP, &body).await)
}

pub async fn vehicles() -> Result<Vec<api::Vehicle>, ApiError> {
    required::<api::Vehicles>(get(paths::VEHICLES).await).map(|r| r.vehicles)
}

/// Removes a vehicle, the PIN in the same request (`X-Strong-Auth-PIN`): one round trip
/// for the step-up and the removal.
pub async fn remove_vehicle(vin: String, pin: String) -> Result<(), ApiError> {
    let body = api::VehicleRequest {
        discriminator: api::Discriminator::action("removeProperty"),
        vin: Some(vin),
    };
    send_with_pin(post_request(paths::VEHICLES, &body)?, pin).await
}

/// Removes a device, the PIN in the same request, as [`remove_vehicle`].
pub async fn remove_device(id: String, pin: String) -> Result<(), ApiError> {
    let body = api::DevicesRequest {
        discriminator: api::Discriminator::action("removeDevice"),
        device_id: Some(id),
    };
    send_with_pin(post_request(paths::DEVICES, &body)?, pin).await
}

async fn send_with_pin(mut request: HttpRequest, pin: String) -> Result<(), ApiError> {
    request.headers.push((wire::STRONG_AUTH_PIN_HEADER, pin));
    send_raw(request).await.map(drop)
}

pub async fn devices() -> Result<Vec<api::Device>, ApiError> {
    required::<api::Devices>(get(paths::DEVICES).await).map(|r| r.devices)
}

pub async fn sessions() -> Result<Vec<api::SessionSummary>, ApiError> {
    required::<api::Sessions>(get(paths::SESSIONS).await).map(|r| r.sessions)
}

/// Signs out one session of the account (`Some(id)`) or every other one (`None`).
pub async fn sign_out_sessions(session_id: Option<String>) -> Result<u64, ApiError> {
    let action = if session_id.is_some() {
        "signOut"
    } else {
        "signOutOthers"
    };
    let body = api::SessionsRequest {
        discriminator: api::Discriminator::action(action),
        session_id,
    };
    required::<api::SessionsSignedOut>(post(paths::SESSIONS, &body).await).map(|r| r.signed_out)
}

pub async fn events() -> Result<Vec<api::SecurityEvent>, ApiError> {
    required::<api::SecurityEvents>(get(paths::EVENTS).await).map(|r| r.events)
}

#[cfg(feature = "demo")]
pub async fn outbox() -> Result<Vec<api::OutboxMessage>, ApiError> {
    required::<api::Outbox>(get(paths::OUTBOX).await).map(|r| r.messages)
}
