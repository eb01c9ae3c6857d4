//! SMS codes: request one (sends it), submit one (add or change the trusted
//! phone, or pass enrollment step 6 and get the enrollment ticket).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use wire::api::{
    paths, EnrollmentState, EventKind, SmsCodeAccepted, SmsCodeRequest, SmsCodeSent, SmsCodeSubmit,
    SmsPurpose,
};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiResult};
use crate::{codes, db, phone, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SMS_CODE_REQUEST, post(request_code))
        .route(paths::SMS_CODE, post(submit_code))
}

/// `POST …/smscode/request`: `phoneNumberCertification` (to `phoneNumber`),
/// `enrollment` or `resetPIN` (to the trusted number).
pub async fn request_code(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<SmsCodeRequest>,
) -> ApiResult<SmsCodeSent> {
    let kind = body
        .discriminator
        .value()
        .map_err(|e| ApiError::from(rename(e, "type")))?;
    let purpose = SmsPurpose::parse(kind).ok_or_else(|| ApiError::invalid("type"))?;
    let region = &state.policy().default_region;
    let account = store::account(&state.pool, session.account_id).await?;
    let to = match purpose {
        SmsPurpose::PhoneNumberCertification => {
            let number = phone::required(body.phone_number.as_deref(), region)?;
            // With a number already, certifying another one only serves D,
            // which needs an enrolled device.
            if account.trusted_phone.is_some()
                && !store::is_enrolled(&state.pool, account.id, &session.device_id).await?
            {
                return Err(ErrorCode::NeedStrongAuthentication.into());
            }
            number
        }
        SmsPurpose::Enrollment => account
            .trusted_phone
            .clone()
            .ok_or(ErrorCode::NoPhoneNumber)?,
        SmsPurpose::ResetPin => {
            let to = account
                .trusted_phone
                .clone()
                .ok_or(ErrorCode::NoPhoneNumber)?;
            reset_allowed(&state, &account).await?;
            to
        }
    };
    ok(codes::issue(&state, &account, purpose, &to).await?)
}

/// B needs a PIN and an enrolled device on the account, and no lockout.
pub async fn reset_allowed(state: &AppState, account: &store::Account) -> Result<(), ApiError> {
    if account.pin_blocked {
        return Err(ErrorCode::AccountBlocked.into());
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
pub async fn submit_code(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<SmsCodeSubmit>,
) -> Result<Response, ApiError> {
    let action = body.discriminator.value()?.to_string();
    match action.as_str() {
        "addPhoneNumber" => add_phone(&state, &session, &body)
            .await
            .map(IntoResponse::into_response),
        "modifyPhoneNumber" => modify_phone(&state, &session, &body)
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
    )
    .await?;
    let mut tx = db::begin_write(&state.pool).await?;
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

/// D: replaces the trusted number (2307 without one; needs an enrolled device).
async fn modify_phone(
    state: &AppState,
    session: &AuthSession,
    body: &SmsCodeSubmit,
) -> ApiResult<()> {
    let number = phone::required(body.phone_number.as_deref(), &state.policy().default_region)?;
    let code = codes::parse_code(body.sms_code.as_deref())?;
    let account = store::account(&state.pool, session.account_id).await?;
    let Some(old) = account.trusted_phone else {
        return Err(ErrorCode::NoPhoneNumber.into());
    };
    if !store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::PhoneNumberCertification,
        &number,
        &code,
    )
    .await?;
    let mut tx = db::begin_write(&state.pool).await?;
    codes::consume(&mut tx, checked).await?;
    let set =
        sqlx::query("UPDATE accounts SET trusted_phone = $1 WHERE id = $2 AND trusted_phone = $3")
            .bind(&number)
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
        state.now(),
        Some(&label),
    )
    .await?;
    tx.commit().await?;
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
    let checked = codes::check(state, account.id, SmsPurpose::Enrollment, &phone, &code).await?;
    let mut tx = db::begin_write(&state.pool).await?;
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
