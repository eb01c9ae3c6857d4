//! PIN reset (B, with a `resetPIN` SMS code) and update (C, with the old PIN).

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use wire::api::{paths, EventKind, PinRequest, SmsPurpose};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok_null, ApiError, ApiJson, ApiResult};
use crate::routes::sms::reset_allowed;
use crate::{codes, db, pin, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::PIN_CODE, post(pincode))
}

/// `POST …/pincode`.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/pincode",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::PinRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "PIN changed", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 update from a device that is not enrolled; reset on an account without PIN or enrolled device", body = crate::openapi::schemas::Failed),
        (status = 409, description = "2307 no phone number (reset)", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2305/2306 SMS code, 2308 wrong old PIN (remainingAttempts), 2315 new PIN equals the old", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout; reset within 24 h (configurable) of a phone change, with retryAfterSeconds and Retry-After", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 every PIN try left is being checked (a try is taken before the PIN is compared), or the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn pincode(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<PinRequest>,
) -> ApiResult<()> {
    match body.discriminator.value()? {
        "reset" => reset(&state, &session, &body).await,
        "update" => update(&state, &session, &body).await,
        _ => Err(ApiError::invalid("action")),
    }
}

/// B and C end the account's other sessions.
///
/// B: a new PIN against a `resetPIN` code. 2317 while locked out, 2315 when
/// the new PIN is the current one (the code then stays usable).
async fn reset(state: &AppState, session: &AuthSession, body: &PinRequest) -> ApiResult<()> {
    let new_pin = pin::parse_new_pin(
        body.pin_code.as_deref(),
        state.policy().pin_length,
        "pinCode",
    )?;
    let code = codes::parse_code(body.sms_code.as_deref())?;
    let account = store::account(&state.pool, session.account_id).await?;
    reset_allowed(state, &account).await?;
    let phone = account
        .trusted_phone
        .clone()
        .ok_or(ErrorCode::NoPhoneNumber)?;
    let Some(old_hash) = account.pin_hash.clone() else {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    };
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::ResetPin,
        &phone,
        &code,
        session.client,
    )
    .await?;
    if pin::verify(state, &new_pin, &old_hash).await? != pin::Verdict::Wrong {
        return Err(ErrorCode::SamePin.into());
    }
    let new_hash = pin::hash(state, &new_pin).await?;
    let mut tx = db::begin_write(&state.pool, account.id).await?;
    codes::consume(&mut tx, checked).await?;
    let set = sqlx::query(
        "UPDATE accounts SET pin_hash = $1, pin_failures = 0 WHERE id = $2 AND pin_blocked = 0 AND pin_hash = $3",
    )
    .bind(&new_hash)
    .bind(account.id)
    .bind(&old_hash)
    .execute(&mut *tx)
    .await?;
    if set.rows_affected() == 0 {
        return Err(ErrorCode::AccountBlocked.into());
    }
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        account.id,
        EventKind::PinReset,
        state.now(),
        Some(&label),
    )
    .await?;
    store::revoke_other_sessions(&mut tx, account.id, &session.token_hash).await?;
    tx.commit().await?;
    ok_null()
}

/// C: old PIN (counted toward the lockout) and new PIN, from an enrolled device.
async fn update(state: &AppState, session: &AuthSession, body: &PinRequest) -> ApiResult<()> {
    let length = state.policy().pin_length;
    let old_pin = pin::parse_pin(body.old_pin.as_deref(), length, "oldPIN")?;
    let new_pin = pin::parse_new_pin(body.new_pin.as_deref(), length, "newPIN")?;
    if !store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    let label = session.device_label();
    let old_hash = pin::check(state, session.account_id, &old_pin, &label, session.client).await?;
    if new_pin == old_pin {
        return Err(ErrorCode::SamePin.into());
    }
    let new_hash = pin::hash(state, &new_pin).await?;
    let mut tx = db::begin_write(&state.pool, session.account_id).await?;
    let set = sqlx::query(
        "UPDATE accounts SET pin_hash = $1, pin_failures = 0 WHERE id = $2 AND pin_blocked = 0 AND pin_hash = $3",
    )
    .bind(&new_hash)
    .bind(session.account_id)
    .bind(&old_hash)
    .execute(&mut *tx)
    .await?;
    if set.rows_affected() == 0 {
        return Err(ErrorCode::AccountBlocked.into());
    }
    store::record_event(
        &mut *tx,
        session.account_id,
        EventKind::PinChanged,
        state.now(),
        Some(&label),
    )
    .await?;
    store::revoke_other_sessions(&mut tx, session.account_id, &session.token_hash).await?;
    tx.commit().await?;
    ok_null()
}
