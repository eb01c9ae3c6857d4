//! Step-up: `otp withPIN` gives a short-lived, single-use proof for
//! `X-Strong-Auth`, bound to the session, the device and the one operation it was asked
//! for: a proof leaked from one place serves nowhere else.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use wire::api::{paths, OtpRequest, StepUpOperation, StepUpProof};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ApiError, ApiJson, ApiResult};
use crate::{crypto, db, pin, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::OTP, post(otp))
}

/// The stored form of a proof.
pub fn proof_mac(state: &AppState, proof: &str) -> String {
    state.key.mac("step-up", &[proof.as_bytes()])
}

/// `POST …/otp` `{action: withPIN, pinCode, operation}` from an enrolled device.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/otp",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::OtpRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A single-use step-up proof", body = crate::openapi::schemas::StepUpProofEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it: DPoP, pinCode, operation, one of removeProperty, modifyPhoneNumber, removeEnrollments)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 the device is not enrolled", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2308 wrong PIN (remainingAttempts)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 every PIN try left is being checked (a try is taken before the PIN is compared), or the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn otp(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<OtpRequest>,
) -> ApiResult<StepUpProof> {
    if body.discriminator.value()? != "withPIN" {
        return Err(ApiError::invalid("action"));
    }
    let pin_code = pin::parse_pin(
        body.pin_code.as_deref(),
        state.policy().pin_length,
        "pinCode",
    )?;
    let operation = match body.operation.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError::missing("operation")),
        Some(text) => StepUpOperation::parse(text).ok_or_else(|| ApiError::invalid("operation"))?,
    };
    check_pin_for(&state, &session, &pin_code, operation).await?;
    let proof = crypto::random_token();
    let now = state.now();
    let ttl = state.policy().step_up_ttl_seconds;
    let mut tx = db::begin_write(&state.pool, session.account_id).await?;
    sqlx::query(
        "DELETE FROM step_up_proofs WHERE account_id = $1 AND (used = 1 OR expires_at <= $2)",
    )
    .bind(session.account_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO step_up_proofs (account_id, device_id, session_hash, operation, proof_mac, expires_at, used)
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
    .bind(&session.token_hash)
    .bind(operation.as_str())
    .bind(proof_mac(&state, &proof))
    .bind(now + ttl)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    ok(StepUpProof {
        otp: proof,
        expires_in_seconds: ttl as u64,
    })
}

/// The PIN as a step-up for `operation`, wherever it comes from: 2302 unless this session
/// may step up for it, then the PIN check with its counters and lockout.
async fn check_pin_for(
    state: &AppState,
    session: &AuthSession,
    pin_code: &str,
    operation: StepUpOperation,
) -> Result<(), ApiError> {
    if !crate::routes::devices::may_step_up(state, session, operation).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    pin::check(
        state,
        session.account_id,
        pin_code,
        &session.device_label(),
        session.client,
    )
    .await?;
    Ok(())
}

/// The `X-Strong-Auth` header, when present and not blank.
pub fn proof_header(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(wire::STRONG_AUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// How a request proves a fresh strong authentication for its operation.
pub enum StepUp {
    /// A proof from `otp withPIN` (`X-Strong-Auth`), still to be spent.
    Proof(String),
    /// The PIN came with the request (`X-Strong-Auth-PIN`) and was right.
    PinChecked,
}

/// The request's step-up for `operation`, read before the operation's transaction: with
/// `X-Strong-Auth-PIN`, the PIN is checked now, exactly as `otp withPIN` checks it (who may
/// step up, the PIN lockout and its counters); otherwise the `X-Strong-Auth` proof, which
/// [`spend`] spends. 2302 with neither.
pub async fn step_up(
    state: &AppState,
    session: &AuthSession,
    headers: &HeaderMap,
    operation: StepUpOperation,
) -> Result<StepUp, ApiError> {
    let pin_header = headers
        .get(wire::STRONG_AUTH_PIN_HEADER)
        .map(|v| v.to_str().unwrap_or("?"));
    if let Some(text) = pin_header {
        let pin_code = pin::parse_pin(
            Some(text.trim()),
            state.policy().pin_length,
            wire::STRONG_AUTH_PIN_HEADER,
        )?;
        check_pin_for(state, session, &pin_code, operation).await?;
        return Ok(StepUp::PinChecked);
    }
    let proof = proof_header(headers).ok_or(ErrorCode::NeedStrongAuthentication)?;
    Ok(StepUp::Proof(proof.to_string()))
}

/// Spends `step_up` on `operation` inside `tx`, as [`spend_proof`] does; a PIN checked with
/// the request has nothing left to spend.
pub async fn spend(
    state: &AppState,
    tx: &mut db::Tx,
    session: &AuthSession,
    step_up: &StepUp,
    operation: StepUpOperation,
) -> Result<(), ApiError> {
    match step_up {
        StepUp::PinChecked => Ok(()),
        StepUp::Proof(proof) => spend_proof_text(state, tx, session, proof, operation).await,
    }
}

/// 2302 unless the request's step-up proof for `operation` is live; spends nothing. D asks
/// this before sending the code to a new number (and again on a resend), and spends the
/// proof when the code comes back.
pub async fn require_live_proof(
    state: &AppState,
    session: &AuthSession,
    headers: &HeaderMap,
    operation: StepUpOperation,
) -> Result<(), ApiError> {
    let proof = proof_header(headers).ok_or(ErrorCode::NeedStrongAuthentication)?;
    live_proof(&state.pool, state, session, operation, proof)
        .await?
        .map(drop)
        .ok_or_else(|| ErrorCode::NeedStrongAuthentication.into())
}

/// Spends the request's step-up proof on `operation` inside `tx` (so a failure of the
/// operation rolls the spending back): 2302 unless the header names a live, unused proof
/// of this account, device and session, asked for this operation.
pub async fn spend_proof(
    state: &AppState,
    tx: &mut db::Tx,
    session: &AuthSession,
    headers: &HeaderMap,
    operation: StepUpOperation,
) -> Result<(), ApiError> {
    let proof = proof_header(headers).ok_or(ErrorCode::NeedStrongAuthentication)?;
    spend_proof_text(state, tx, session, proof, operation).await
}

async fn spend_proof_text(
    state: &AppState,
    tx: &mut db::Tx,
    session: &AuthSession,
    proof: &str,
    operation: StepUpOperation,
) -> Result<(), ApiError> {
    let id = live_proof(&mut **tx, state, session, operation, proof)
        .await?
        .ok_or(ErrorCode::NeedStrongAuthentication)?;
    // Atomic: of two requests racing with one proof, one spends it.
    let used = sqlx::query("UPDATE step_up_proofs SET used = 1 WHERE id = $1 AND used = 0")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if used.rows_affected() == 0 {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    Ok(())
}

/// Finds the live proof of this account, device, session and operation that `proof` is,
/// comparing MACs in constant time; `None` when missing, stale, used or foreign.
async fn live_proof<'e, E: sqlx::Executor<'e, Database = db::Db>>(
    executor: E,
    state: &AppState,
    session: &AuthSession,
    operation: StepUpOperation,
    proof: &str,
) -> Result<Option<i64>, ApiError> {
    let given = proof_mac(state, proof);
    let candidates: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, proof_mac FROM step_up_proofs
         WHERE account_id = $1 AND device_id = $2 AND session_hash = $3 AND operation = $4
           AND used = 0 AND expires_at > $5",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
    .bind(&session.token_hash)
    .bind(operation.as_str())
    .bind(state.now())
    .fetch_all(executor)
    .await?;
    let mut found = None;
    for (id, stored) in candidates {
        if crypto::same_mac(&given, &stored) {
            found = Some(id);
        }
    }
    Ok(found)
}
