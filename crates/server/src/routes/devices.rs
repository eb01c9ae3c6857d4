//! The enrolled devices: the list, and the removal of one of them behind step-up
//! (beyond the SDK, as in every account console: a lost or sold phone, an old laptop).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use wire::api::{paths, Device, Devices, DevicesRequest, EventKind, StepUpOperation};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiResult};
use crate::routes::otp;
use crate::{db, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::DEVICES, get(list).post(remove_device))
}

/// `GET …/devices`: the enrolled devices, this one marked `current`.
#[utoipa::path(
    get,
    path = "/api/v1/pims/authentication/devices",
    tag = "account",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::DevicesEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn list(State(state): State<AppState>, session: AuthSession) -> ApiResult<Devices> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT device_id, label, enrolled_at, last_seen_at FROM devices
         WHERE account_id = $1 ORDER BY enrolled_at, device_id",
    )
    .bind(session.account_id)
    .fetch_all(&state.pool)
    .await?;
    let devices = rows
        .into_iter()
        .map(|(id, label, enrolled_at, last_seen_at)| Device {
            current: id == session.device_id,
            id,
            label,
            enrolled_at,
            last_seen_at,
        })
        .collect();
    ok(Devices { devices })
}

/// Whether this device may ask for a step-up proof for `operation`: an enrolled device
/// may; a browser that is not enrolled may only to remove a device, and only while the
/// account is at the device limit. That browser cannot enroll until a device goes, and the
/// user may have none of the others at hand (lost, sold); the PIN it must give is counted
/// toward the lockout like any other.
pub async fn may_step_up(
    state: &AppState,
    session: &AuthSession,
    operation: StepUpOperation,
) -> Result<bool, ApiError> {
    if store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Ok(true);
    }
    Ok(operation == StepUpOperation::RemoveDevice
        && store::device_count(&state.pool, session.account_id).await?
            >= i64::from(state.policy().device_limit))
}

/// `POST …/devices` `{action: removeDevice, deviceId}` with `X-Strong-Auth`: 2302 without
/// a live proof (or from a browser that may not step up, see [`may_step_up`]), 2324 for an
/// id that is not one of the account's devices (the proof then stays usable). The PIN stays, even when the last
/// device goes (unlike A); the removed device's sessions end, unless it is this one.
#[utoipa::path(
    post,
    path = "/api/v1/pims/authentication/devices",
    tag = "account",
    request_body = crate::openapi::schemas::DevicesRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("X-Strong-Auth" = Option<String>, Header, description = "Step-up proof from otp withPIN, asked for removeDevice; or, in its place, X-Strong-Auth-PIN"), ("X-Strong-Auth-PIN" = Option<String>, Header, description = "The PIN itself: the step-up and the removal in one request, the PIN checked as otp withPIN checks it (2308 wrong PIN with remainingAttempts, 2317 lockout)")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Removed", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 no live step-up proof (or device not enrolled); 2324 not one of this account's devices", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2308 wrong PIN in X-Strong-Auth-PIN (remainingAttempts)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout (X-Strong-Auth-PIN)", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 every PIN try left is being checked (a try is taken before the PIN is compared), or the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn remove_device(
    State(state): State<AppState>,
    session: AuthSession,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DevicesRequest>,
) -> ApiResult<()> {
    if body.discriminator.value()? != "removeDevice" {
        return Err(ApiError::invalid("action"));
    }
    let device_id = match body.device_id.as_deref() {
        None | Some("") => return Err(ApiError::missing("deviceId")),
        Some(id) if wire::validate::device_id(id).is_err() => {
            return Err(ApiError::invalid("deviceId"));
        }
        Some(id) => id,
    };
    if !may_step_up(&state, &session, StepUpOperation::RemoveDevice).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    // Before the transaction: a PIN sent with the request is hashed outside of it.
    let step_up = otp::step_up(&state, &session, &headers, StepUpOperation::RemoveDevice).await?;
    let mut tx = db::begin_write(&state.pool, session.account_id).await?;
    otp::spend(
        &state,
        &mut tx,
        &session,
        &step_up,
        StepUpOperation::RemoveDevice,
    )
    .await?;
    // Another account's device is as foreign as a made-up id: the same 2324, and the
    // rollback keeps the proof for a corrected request.
    let removed = sqlx::query("DELETE FROM devices WHERE account_id = $1 AND device_id = $2")
        .bind(session.account_id)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(ErrorCode::NotDeviceOwner.into());
    }
    sqlx::query("DELETE FROM enrollment_tickets WHERE account_id = $1 AND device_id = $2")
        .bind(session.account_id)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
    // A removed device is usually a lost one: whoever holds it is signed out too.
    if device_id != session.device_id {
        sqlx::query("DELETE FROM step_up_proofs WHERE account_id = $1 AND device_id = $2")
            .bind(session.account_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND device_key = $2")
            .bind(session.account_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
    }
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        session.account_id,
        EventKind::DeviceRemoved,
        state.now(),
        Some(&label),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        account_id = session.account_id,
        "one device removed from the hub"
    );
    ok_null()
}
