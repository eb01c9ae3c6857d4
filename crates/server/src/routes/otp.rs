//! Step-up: `otp withPIN` gives a short-lived, single-use proof for
//! `X-Strong-Auth`.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use wire::api::{paths, OtpRequest, StepUpProof};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ApiError, ApiJson, ApiResult};
use crate::{crypto, db, pin, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::OTP, post(otp))
}

/// The stored form of a proof.
pub fn proof_mac(state: &AppState, proof: &str) -> String {
    state.key.mac("step-up", &[proof.as_bytes()])
}

/// `POST …/otp` `{action: withPIN, pinCode}` from an enrolled device.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/otp",
    tag = "strong-authentication",
    request_body = crate::openapi::schemas::OtpRequest,
    params(("X-Device-Id" = String, Header, description = "This browser's device id (canonical UUID)")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A single-use step-up proof", body = crate::openapi::schemas::StepUpProofEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. X-Device-Id)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, or it expired", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 the device is not enrolled", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2308 wrong PIN (remainingAttempts)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
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
    if !store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    pin::check(
        &state,
        session.account_id,
        &pin_code,
        &session.device_label(),
    )
    .await?;
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
        "INSERT INTO step_up_proofs (account_id, device_id, proof_mac, expires_at, used) VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
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

/// Finds the live proof of this account and device that `proof` is, comparing
/// MACs in constant time; `None` when missing, stale, used or foreign.
pub async fn live_proof(
    state: &AppState,
    tx: &mut db::Tx,
    session: &AuthSession,
    proof: &str,
) -> Result<Option<i64>, ApiError> {
    let given = proof_mac(state, proof);
    let candidates: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, proof_mac FROM step_up_proofs
         WHERE account_id = $1 AND device_id = $2 AND used = 0 AND expires_at > $3",
    )
    .bind(session.account_id)
    .bind(&session.device_id)
    .bind(state.now())
    .fetch_all(&mut **tx)
    .await?;
    let mut found = None;
    for (id, stored) in candidates {
        if crypto::same_mac(&given, &stored) {
            found = Some(id);
        }
    }
    Ok(found)
}
