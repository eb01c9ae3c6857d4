//! Vehicle associations: the list, and removal by VIN (E) behind step-up.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use wire::api::{paths, EventKind, StepUpOperation, Vehicle, VehicleRequest, Vehicles};
use wire::ErrorCode;

use crate::auth::AuthSession;
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiResult};
use crate::routes::otp;
use crate::{db, store, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::VEHICLES, get(list).post(remove_property))
}

/// `GET …/subscription/vehicle`.
#[utoipa::path(
    get,
    path = "/api/v1/pims/subscription/vehicle",
    tag = "account",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::VehiclesEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn list(State(state): State<AppState>, session: AuthSession) -> ApiResult<Vehicles> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT vin, label FROM vehicles WHERE account_id = $1 ORDER BY label, vin")
            .bind(session.account_id)
            .fetch_all(&state.pool)
            .await?;
    ok(Vehicles {
        vehicles: rows
            .into_iter()
            .map(|(vin, label)| Vehicle { vin, label })
            .collect(),
    })
}

/// `POST …/subscription/vehicle` `{action: removeProperty, vin}` with
/// `X-Strong-Auth`: 2302 without a live proof (or from a device not
/// enrolled), 2323 for a VIN that is not the account's (the proof then stays
/// usable).
#[utoipa::path(
    post,
    path = "/api/v1/pims/subscription/vehicle",
    tag = "account",
    request_body = crate::openapi::schemas::VehicleRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("X-Strong-Auth" = Option<String>, Header, description = "Step-up proof from otp withPIN; or, in its place, X-Strong-Auth-PIN"), ("X-Strong-Auth-PIN" = Option<String>, Header, description = "The PIN itself: the step-up and the removal in one request, the PIN checked as otp withPIN checks it (2308 wrong PIN with remainingAttempts, 2317 lockout)")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Removed", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 403, description = "2302 no live step-up proof (or device not enrolled); 2323 not this account's vehicle", body = crate::openapi::schemas::Failed),
        (status = 422, description = "2308 wrong PIN in X-Strong-Auth-PIN (remainingAttempts)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 PIN lockout (X-Strong-Auth-PIN)", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 every PIN try left is being checked (a try is taken before the PIN is compared), or the client address has made too many wrong guesses of PINs and SMS codes, across accounts (60 an hour by default, --wrong-guesses-per-ip-per-hour; right ones are not counted); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn remove_property(
    State(state): State<AppState>,
    session: AuthSession,
    headers: HeaderMap,
    ApiJson(body): ApiJson<VehicleRequest>,
) -> ApiResult<()> {
    if body.discriminator.value()? != "removeProperty" {
        return Err(ApiError::invalid("action"));
    }
    let vin = wire::validate::vin(body.vin.as_deref().unwrap_or_default())
        .map_err(|p| ApiError::problem(p, "vin"))?;
    if !store::is_enrolled(&state.pool, session.account_id, &session.device_id).await? {
        return Err(ErrorCode::NeedStrongAuthentication.into());
    }
    // Before the transaction: a PIN sent with the request is hashed outside of it.
    let step_up = otp::step_up(&state, &session, &headers, StepUpOperation::RemoveProperty).await?;
    let mut tx = db::begin_write(&state.pool, session.account_id).await?;
    otp::spend(
        &state,
        &mut tx,
        &session,
        &step_up,
        StepUpOperation::RemoveProperty,
    )
    .await?;
    let removed = sqlx::query("DELETE FROM vehicles WHERE account_id = $1 AND UPPER(vin) = $2")
        .bind(session.account_id)
        .bind(&vin)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(ErrorCode::NotVehicleOwner.into());
    }
    let label = session.device_label();
    store::record_event(
        &mut *tx,
        session.account_id,
        EventKind::VehicleRemoved,
        state.now(),
        Some(&label),
    )
    .await?;
    tx.commit().await?;
    ok_null()
}
