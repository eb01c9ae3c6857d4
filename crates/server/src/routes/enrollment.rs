//! Enrollment: `enroll` (steps 7 and 8), `enrollWithPhoneNumber` (4.1),
//! `remove` (A).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use wire::api::{paths, EnrollmentRequest, EventKind, SmsPurpose, StepUpOperation};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok_null, ApiError, ApiJson, ApiResult};
use crate::routes::otp::{proof_header, spend_proof};
use crate::routes::sms::issue_ticket;
use crate::{codes, db, phone, pin, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::ENROLLMENT, post(enrollment))
}

/// `POST …/enrollment`.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/enrollment",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::EnrollmentRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("X-Strong-Auth" = Option<String>, Header, description = "Step-up proof from otp withPIN asked for removeEnrollments: A without an smsCode")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Enrolled, or enrollments removed", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 remove without a removeEnrollments smsCode or a step-up proof for removeEnrollments (X-Strong-Auth)", body = crate::openapi::schemas::Failed),
        (status = 409, description = "2307 no phone number; 2390 enrollWithPhoneNumber when the account has one", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2305 no enrollment ticket or invalid code, 2306 expired code, 2308 wrong PIN (remainingAttempts)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout, or the device limit is reached", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 every PIN try left is being checked (a try is taken before the PIN is compared), or the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn enrollment(
    State(state): State<AppState>,
    session: AuthSession,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EnrollmentRequest>,
) -> ApiResult<()> {
    match body.discriminator.value()? {
        "enroll" => enroll(&state, &session, &body).await,
        "enrollWithPhoneNumber" => enroll_with_phone(&state, &session, &body).await,
        "remove" => remove(&state, &session, &headers, &body).await,
        _ => Err(ApiError::invalid("action")),
    }
}

/// Refuses a new device past the device limit (2317).
async fn refuse_over_limit(
    state: &AppState,
    tx: Option<&mut db::Tx>,
    session: &AuthSession,
) -> Result<(), ApiError> {
    let over = match tx {
        Some(tx) => {
            store::at_device_limit(&mut **tx, state, session.account_id, &session.device_id).await?
        }
        None => {
            store::at_device_limit(&state.pool, state, session.account_id, &session.device_id)
                .await?
        }
    };
    if over {
        return Err(ErrorCode::AccountBlocked.into());
    }
    Ok(())
}

/// Steps 7 (no PIN yet: `pinCode` becomes the PIN) and 8 (the PIN is
/// checked, with the lockout). Needs this device's enrollment ticket, or an
/// enrollment `smsCode` that is turned into one.
async fn enroll(
    state: &AppState,
    session: &AuthSession,
    body: &EnrollmentRequest,
) -> ApiResult<()> {
    let length = state.policy().pin_length;
    let account = store::account(&state.pool, session.account_id).await?;
    let first_pin = account.pin_hash.is_none();
    let pin_code = if first_pin {
        pin::parse_new_pin(body.pin_code.as_deref(), length, "pinCode")?
    } else {
        pin::parse_pin(body.pin_code.as_deref(), length, "pinCode")?
    };
    let sms_code = body
        .sms_code
        .as_deref()
        .map(|c| codes::parse_code(Some(c)))
        .transpose()?;
    if account.pin_blocked {
        return Err(ErrorCode::AccountBlocked.into());
    }
    refuse_over_limit(state, None, session).await?;
    if !has_ticket(state, session).await? {
        let Some(sms_code) = sms_code else {
            return Err(ErrorCode::InvalidSmsCode.into());
        };
        let phone = account
            .trusted_phone
            .clone()
            .ok_or(ErrorCode::NoPhoneNumber)?;
        let checked = codes::check(
            state,
            account.id,
            SmsPurpose::Enrollment,
            &phone,
            &sms_code,
            session.client,
        )
        .await?;
        let mut tx = db::begin_write(&state.pool, account.id).await?;
        codes::consume(&mut tx, checked).await?;
        issue_ticket(state, &mut tx, account.id, &session.device_id).await?;
        tx.commit().await?;
    }
    let label = session.device_label();
    let now = state.now();
    if first_pin {
        let hash = pin::hash(state, &pin_code).await?;
        let mut tx = db::begin_write(&state.pool, account.id).await?;
        let set = sqlx::query(
            "UPDATE accounts SET pin_hash = $1, pin_failures = 0, pin_blocked = 0 WHERE id = $2 AND pin_hash IS NULL",
        )
        .bind(&hash)
        .bind(account.id)
        .execute(&mut *tx)
        .await?;
        if set.rows_affected() == 0 {
            // Another device set the PIN meanwhile: this one must now prove it.
            return Err(ErrorCode::AccountBlocked.into());
        }
        store::record_event(&mut *tx, account.id, EventKind::PinSet, now, Some(&label)).await?;
        finish_enrollment(state, tx, session, &label).await?;
    } else {
        pin::check(state, account.id, &pin_code, &label, session.client).await?;
        let tx = db::begin_write(&state.pool, account.id).await?;
        finish_enrollment(state, tx, session, &label).await?;
    }
    ok_null()
}

async fn has_ticket(state: &AppState, session: &AuthSession) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT expires_at FROM enrollment_tickets WHERE account_id = $1 AND device_id = $2 AND expires_at > $3",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
    .bind(state.now())
    .fetch_optional(&state.pool)
    .await?;
    Ok(found.is_some())
}

/// Enrolls this device (limit re-checked under the lock), consumes the
/// ticket, records the event, commits.
async fn finish_enrollment(
    state: &AppState,
    mut tx: db::Tx,
    session: &AuthSession,
    label: &str,
) -> Result<(), ApiError> {
    refuse_over_limit(state, Some(&mut tx), session).await?;
    let ticket = sqlx::query(
        "DELETE FROM enrollment_tickets WHERE account_id = $1 AND device_id = $2 AND expires_at > $3",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
    .bind(state.now())
    .execute(&mut *tx)
    .await?;
    if ticket.rows_affected() == 0 {
        return Err(ErrorCode::InvalidSmsCode.into());
    }
    let now = state.now();
    store::enroll_device(
        &mut *tx,
        session.account_id,
        &session.device_id,
        &session.device_jwk,
        label,
        now,
    )
    .await?;
    store::record_event(
        &mut *tx,
        session.account_id,
        EventKind::Enrolled,
        now,
        Some(label),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 4.1: the first trusted number, certified by its SMS code, and the first
/// PIN, in one call (2390 when the account has a number).
async fn enroll_with_phone(
    state: &AppState,
    session: &AuthSession,
    body: &EnrollmentRequest,
) -> ApiResult<()> {
    let length = state.policy().pin_length;
    let number = phone::required(body.phone_number.as_deref(), &state.policy().default_region)?;
    let account = store::account(&state.pool, session.account_id).await?;
    let first_pin = account.pin_hash.is_none();
    let pin_code = if first_pin {
        pin::parse_new_pin(body.pin_code.as_deref(), length, "pinCode")?
    } else {
        pin::parse_pin(body.pin_code.as_deref(), length, "pinCode")?
    };
    let sms_code = codes::parse_code(body.sms_code.as_deref())?;
    if account.trusted_phone.is_some() {
        return Err(ErrorCode::PhoneAlreadyRegistered.into());
    }
    if account.pin_blocked {
        return Err(ErrorCode::AccountBlocked.into());
    }
    refuse_over_limit(state, None, session).await?;
    let label = session.device_label();
    let checked = codes::check(
        state,
        account.id,
        SmsPurpose::PhoneNumberCertification,
        &number,
        &sms_code,
        session.client,
    )
    .await?;
    // Only now, the code right: a request without it costs no hashing.
    let new_hash = if first_pin {
        Some(pin::hash(state, &pin_code).await?)
    } else {
        None
    };
    if !first_pin {
        pin::check(state, account.id, &pin_code, &label, session.client).await?;
    }
    let now = state.now();
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
    store::record_event(
        &mut *tx,
        account.id,
        EventKind::PhoneAdded,
        now,
        Some(&label),
    )
    .await?;
    if let Some(hash) = new_hash {
        let set = sqlx::query(
            "UPDATE accounts SET pin_hash = $1, pin_failures = 0 WHERE id = $2 AND pin_hash IS NULL AND pin_blocked = 0",
        )
        .bind(&hash)
        .bind(account.id)
        .execute(&mut *tx)
        .await?;
        if set.rows_affected() == 0 {
            return Err(ErrorCode::AccountBlocked.into());
        }
        store::record_event(&mut *tx, account.id, EventKind::PinSet, now, Some(&label)).await?;
    }
    issue_ticket(state, &mut tx, account.id, &session.device_id).await?;
    finish_enrollment(state, tx, session, &label).await?;
    ok_null()
}

/// A: drops every enrolled device, the PIN, the failure count and the block;
/// keeps the phone number. Needs more than the password: a `removeEnrollments` code sent
/// to the trusted number (`smsCode`; the only way while `PinBlocked`), or a step-up proof
/// asked for `removeEnrollments`. Without a trusted number there is no PIN or device to
/// lose, and nothing to do. The account's other sessions end.
async fn remove(
    state: &AppState,
    session: &AuthSession,
    headers: &HeaderMap,
    body: &EnrollmentRequest,
) -> ApiResult<()> {
    let account_id = session.account_id;
    let account = store::account(&state.pool, account_id).await?;
    let Some(phone) = account.trusted_phone.clone() else {
        return ok_null();
    };
    // The code when there is one; else the step-up proof, spent below.
    let checked = match body.sms_code.as_deref() {
        Some(code) => {
            let code = codes::parse_code(Some(code))?;
            let purpose = SmsPurpose::RemoveEnrollments;
            Some(codes::check(state, account_id, purpose, &phone, &code, session.client).await?)
        }
        None if proof_header(headers).is_some() => None,
        None => return Err(ErrorCode::NeedStrongAuthentication.into()),
    };
    let now = state.now();
    let mut tx = db::begin_write(&state.pool, account_id).await?;
    match checked {
        Some(checked) => codes::consume(&mut tx, checked).await?,
        None => {
            spend_proof(
                state,
                &mut tx,
                session,
                headers,
                StepUpOperation::RemoveEnrollments,
            )
            .await?
        }
    }
    sqlx::query("DELETE FROM devices WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM enrollment_tickets WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE step_up_proofs SET used = 1 WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE accounts SET pin_hash = NULL, pin_failures = 0, pin_blocked = 0 WHERE id = $1",
    )
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        account_id,
        EventKind::EnrollmentsRemoved,
        now,
        Some(&label),
    )
    .await?;
    store::revoke_other_sessions(&mut tx, account_id, &session.token_hash).await?;
    tx.commit().await?;
    ok_null()
}
