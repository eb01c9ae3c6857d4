//! SMS codes: request one (sends it), submit one (add or change the trusted
//! phone, or pass enrollment step 6 and get the enrollment ticket).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use wire::api::{
    paths, EnrollmentState, EventKind, SmsCodeAccepted, SmsCodeRequest, SmsCodeSent, SmsCodeSubmit,
    SmsPurpose, StepUpOperation,
};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiResult};
use crate::routes::otp::{require_live_proof, spend_proof};
use crate::sms::SmsMessage;
use crate::{codes, db, phone, sms, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SMS_CODE_REQUEST, post(request_code))
        .route(paths::SMS_CODE, post(submit_code))
}

/// `POST …/smscode/request`: `phoneNumberCertification` (to `phoneNumber`),
/// `enrollment`, `resetPIN` or `removeEnrollments` (to the trusted number). Certifying a
/// number for an account that has one is D: it needs a live step-up proof asked for
/// `modifyPhoneNumber` (`X-Strong-Auth`), so that the password alone never sends a code
/// that could replace the trusted number.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/smscode/request",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::SmsCodeRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("X-Strong-Auth" = Option<String>, Header, description = "Step-up proof from otp withPIN asked for modifyPhoneNumber: D (a new number for an account that has one) needs it to send the code and spends it on modifyPhoneNumber")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The code was sent", body = crate::openapi::schemas::SmsCodeSentEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one; phoneNumber: 2102 also for a number that is not a mobile number of the configured countries (--sms-countries): premium-rate, shared-cost, toll-free, fixed lines are refused)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 certifying another number needs a live step-up proof for modifyPhoneNumber (X-Strong-Auth); resetPIN needs a PIN and an enrolled device", body = crate::openapi::schemas::Failed),
        (status = 409, description = "2307 no trusted phone number (enrollment, resetPIN, removeEnrollments)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout (resetPIN); or, with retryAfterSeconds and Retry-After saying when it opens: resetPIN within 24 h (configurable) of a phone change, or SMS verification paused for 24 h after 20 wrong codes in a row", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 resend cooldown, the account's hourly limit, the destination number's (5 an hour across accounts, --sms-per-number-per-hour) or the server's SMS per minute (--sms-per-minute); Retry-After and retryAfterSeconds say when", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn request_code(
    State(state): State<AppState>,
    session: AuthSession,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SmsCodeRequest>,
) -> ApiResult<SmsCodeSent> {
    let kind = body
        .discriminator
        .value()
        .map_err(|e| ApiError::from(rename(e, "type")))?;
    let purpose = SmsPurpose::parse(kind).ok_or_else(|| ApiError::invalid("type"))?;
    let region = &state.policy().default_region;
    let account = store::account(&state.pool, session.account_id).await?;
    let (purpose, to) = match purpose {
        SmsPurpose::PhoneNumberCertification => {
            let number = phone::destination(
                body.phone_number.as_deref(),
                region,
                &state.policy().sms_countries,
            )?;
            if account.trusted_phone.is_some() {
                // D: only an enrolled device that has just proven the PIN may have a
                // code sent to a new number.
                if !store::is_enrolled(&state.pool, account.id, &session.device_id).await? {
                    return Err(ErrorCode::NeedStrongAuthentication.into());
                }
                require_live_proof(
                    &state,
                    &session,
                    &headers,
                    StepUpOperation::ModifyPhoneNumber,
                )
                .await?;
                (SmsPurpose::ModifyPhoneNumber, number)
            } else {
                (purpose, number)
            }
        }
        SmsPurpose::Enrollment | SmsPurpose::RemoveEnrollments => (
            purpose,
            account
                .trusted_phone
                .clone()
                .ok_or(ErrorCode::NoPhoneNumber)?,
        ),
        SmsPurpose::ResetPin => {
            let to = account
                .trusted_phone
                .clone()
                .ok_or(ErrorCode::NoPhoneNumber)?;
            reset_allowed(&state, &account).await?;
            (purpose, to)
        }
        SmsPurpose::ModifyPhoneNumber | SmsPurpose::PhoneChangeNotice => {
            return Err(ApiError::invalid("type"))
        }
    };
    ok(codes::issue(&state, &account, purpose, &to).await?)
}

/// B needs a PIN and an enrolled device on the account, no lockout, and no phone change
/// within the policy's wait (2317 with the seconds left: a number swapped by someone else
/// must not reset the PIN before the owner has seen the notice on the old one).
pub async fn reset_allowed(state: &AppState, account: &store::Account) -> Result<(), ApiError> {
    if account.pin_blocked {
        return Err(ErrorCode::AccountBlocked.into());
    }
    if let Some(changed_at) = account.phone_changed_at {
        let opens_at = changed_at + state.policy().reset_after_phone_change_seconds;
        let now = state.now();
        if now < opens_at {
            return Err(ApiError::paused(
                wire::Pause::RecentPhoneChange,
                (opens_at - now) as u64,
            ));
        }
    }
    if account.pin_hash.is_none() || store::device_count(&state.pool, account.id).await? == 0 {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    Ok(())
}

/// The wire crate names the discriminator `action`; some calls spell it `type`.
pub fn rename(mut error: wire::ErrorBody, parameter: &str) -> wire::ErrorBody {
    if let Some(prefix) = error.label.strip_suffix("action") {
        error.label = format!("{prefix}{parameter}");
    }
    error
}

/// `POST …/smscode`: `addPhoneNumber`, `enrollment` or `modifyPhoneNumber`.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/smscode",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::SmsCodeSubmit,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("X-Strong-Auth" = Option<String>, Header, description = "Step-up proof from otp withPIN asked for modifyPhoneNumber: D (a new number for an account that has one) needs it to send the code and spends it on modifyPhoneNumber")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "null, or {status} for enrollment (which also issues the enrollment ticket)", body = crate::openapi::schemas::SmsCodeSubmitted),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 modifyPhoneNumber without a live step-up proof for modifyPhoneNumber (X-Strong-Auth, spent by the change), or from a device that is not enrolled", body = crate::openapi::schemas::Failed),
        (status = 409, description = "2307 no phone number (enrollment, modifyPhoneNumber); 2390 addPhoneNumber when the account has one", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2305 invalid code, 2306 expired or out of tries", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 SMS verification paused for 24 h after 20 wrong codes in a row (across codes); retryAfterSeconds and Retry-After say when it opens", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn submit_code(
    State(state): State<AppState>,
    session: AuthSession,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SmsCodeSubmit>,
) -> Result<Response, ApiError> {
    let action = body.discriminator.value()?.to_string();
    match action.as_str() {
        "addPhoneNumber" => add_phone(&state, &session, &body)
            .await
            .map(IntoResponse::into_response),
        "modifyPhoneNumber" => modify_phone(&state, &session, &headers, &body)
            .await
            .map(IntoResponse::into_response),
        "enrollment" => enrollment_code(&state, &session, &body)
            .await
            .map(IntoResponse::into_response),
        _ => Err(ApiError::invalid("action")),
    }
}

/// 4.2: the first trusted number (2390 when the account has one).
async fn add_phone(state: &AppState, session: &AuthSession, body: &SmsCodeSubmit) -> ApiResult<()> {
    let number = phone::required(body.phone_number.as_deref(), &state.policy().default_region)?;
    let code = codes::parse_code(body.sms_code.as_deref())?;
    let account = store::account(&state.pool, session.account_id).await?;
    if account.trusted_phone.is_some() {
        return Err(ErrorCode::PhoneAlreadyRegistered.into());
    }
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::PhoneNumberCertification,
        &number,
        &code,
        session.client,
    )
    .await?;
    let mut tx = db::begin_write(&state.pool, account.id).await?;
    codes::consume(&mut tx, checked).await?;
    let set = sqlx::query(
        "UPDATE accounts SET trusted_phone = $1 WHERE id = $2 AND trusted_phone IS NULL",
    )
    .bind(&number)
    .bind(account.id)
    .execute(&mut *tx)
    .await?;
    if set.rows_affected() == 0 {
        return Err(ErrorCode::PhoneAlreadyRegistered.into());
    }
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        account.id,
        EventKind::PhoneAdded,
        state.now(),
        Some(&label),
    )
    .await?;
    tx.commit().await?;
    ok_null()
}

/// D: replaces the trusted number (2307 without one). Needs the code sent to the new
/// number and the step-up proof that let it be sent, spent here. Then the account's other
/// sessions end, B waits (see [`reset_allowed`]), and the old number gets a notice.
async fn modify_phone(
    state: &AppState,
    session: &AuthSession,
    headers: &HeaderMap,
    body: &SmsCodeSubmit,
) -> ApiResult<()> {
    let number = phone::required(body.phone_number.as_deref(), &state.policy().default_region)?;
    let code = codes::parse_code(body.sms_code.as_deref())?;
    let account = store::account(&state.pool, session.account_id).await?;
    let Some(old) = account.trusted_phone.clone() else {
        return Err(ErrorCode::NoPhoneNumber.into());
    };
    if !store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    // Before the code: without a proof, no try of the code is spent.
    require_live_proof(state, session, headers, StepUpOperation::ModifyPhoneNumber).await?;
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::ModifyPhoneNumber,
        &number,
        &code,
        session.client,
    )
    .await?;
    let now = state.now();
    let mut tx = db::begin_write(&state.pool, account.id).await?;
    spend_proof(
        state,
        &mut tx,
        session,
        headers,
        StepUpOperation::ModifyPhoneNumber,
    )
    .await?;
    codes::consume(&mut tx, checked).await?;
    let set = sqlx::query(
        "UPDATE accounts SET trusted_phone = $1, phone_changed_at = $2 WHERE id = $3 AND trusted_phone = $4",
    )
    .bind(&number)
    .bind(now)
    .bind(account.id)
    .bind(&old)
    .execute(&mut *tx)
    .await?;
    if set.rows_affected() == 0 {
        return Err(ErrorCode::InvalidSmsCode.into());
    }
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        account.id,
        EventKind::PhoneChanged,
        now,
        Some(&label),
    )
    .await?;
    store::revoke_other_sessions(&mut tx, account.id, &session.token_hash).await?;
    tx.commit().await?;
    // After the commit: the change stands even when the notice cannot be sent (the
    // security event records it), but that failure is worth an operator's look.
    let notice = SmsMessage {
        account_id: account.id,
        to: old,
        text: sms::phone_changed_notice(
            &account.locale,
            &wire::validate::mask_phone_number(&number),
        ),
        purpose: SmsPurpose::PhoneChangeNotice,
        at: now,
    };
    if let Err(cause) = state.sms.send(&notice).await {
        tracing::warn!(account_id = account.id, %cause, "the phone change notice was not sent");
    }
    ok_null()
}

/// Step 6: the enrollment code; issues the ticket for this device and says
/// whether the account already has a PIN.
async fn enrollment_code(
    state: &AppState,
    session: &AuthSession,
    body: &SmsCodeSubmit,
) -> ApiResult<SmsCodeAccepted> {
    let code = codes::parse_code(body.sms_code.as_deref())?;
    let account = store::account(&state.pool, session.account_id).await?;
    let phone = account
        .trusted_phone
        .clone()
        .ok_or(ErrorCode::NoPhoneNumber)?;
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::Enrollment,
        &phone,
        &code,
        session.client,
    )
    .await?;
    let mut tx = db::begin_write(&state.pool, account.id).await?;
    codes::consume(&mut tx, checked).await?;
    issue_ticket(state, &mut tx, account.id, &session.device_id).await?;
    let has_pin: Option<String> = sqlx::query_scalar("SELECT pin_hash FROM accounts WHERE id = $1")
        .bind(account.id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let status = if has_pin.is_some() {
        EnrollmentState::AlreadyEnrolled
    } else {
        EnrollmentState::NotEnrolled
    };
    ok(SmsCodeAccepted { status })
}

/// The enrollment ticket of (account, device), valid for the policy's lifetime.
pub async fn issue_ticket(
    state: &AppState,
    tx: &mut db::Tx,
    account_id: i64,
    device_id: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO enrollment_tickets (account_id, device_id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, device_id) DO UPDATE SET expires_at = excluded.expires_at",
    )
    .bind(account_id)
    .bind(device_id)
    .bind(state.now() + state.policy().enrollment_ticket_ttl_seconds)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
