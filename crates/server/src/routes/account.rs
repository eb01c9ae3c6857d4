//! Reads of the account's strong-authentication state: device and block
//! status, trusted phone, security events.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use wire::api::{
    paths, AccountBlocked, DeviceActivated, EventKind, SecurityEvent, SecurityEvents,
    StrongAuthStatus, TrustedPhone,
};

use crate::auth::AuthSession;
use crate::error::{ok, ApiError, ApiResult};
use crate::store;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ACCOUNT, get(account_status))
        .route(paths::TRUSTED_PHONE, get(trusted_phone))
        .route(paths::STATUS, get(status))
        .route(paths::EVENTS, get(events))
}

/// `GET …/account?actionType=strong&type=isDeviceActivated|isAccountBlocked`
/// (the discriminator may also be spelled `action`).
#[utoipa::path(
    get,
    path = "/api/v1/pims/authentication/account",
    tag = "strong-authentication",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"), ("actionType" = Option<String>, Query, description = "strong"), ("type" = String, Query, description = "isDeviceActivated or isAccountBlocked (also accepted as action)")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "{isDeviceActivated} or {isAccountBlocked}", body = crate::openapi::schemas::AccountStatusEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn account_status(
    State(state): State<AppState>,
    session: AuthSession,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid("query"))?;
    if let Some(action_type) = query.get("actionType") {
        if action_type != "strong" {
            return Err(ApiError::invalid("actionType"));
        }
    }
    let discriminator = wire::api::Discriminator {
        action: query.get("action").cloned(),
        kind: query.get("type").cloned(),
    };
    let kind = discriminator.value().map_err(|mut e| {
        e.label = e.label.replace("action", "type");
        ApiError::from(e)
    })?;
    match kind {
        "isDeviceActivated" => {
            let enrolled =
                store::is_enrolled(&state.pool, session.account_id, &session.device_id).await?;
            Ok(ok(DeviceActivated {
                is_device_activated: enrolled,
            })
            .into_response())
        }
        "isAccountBlocked" => {
            let account = store::account(&state.pool, session.account_id).await?;
            let block = store::block_state(&state, &account, &session.device_id).await?;
            Ok(ok(AccountBlocked {
                is_account_blocked: block.as_str().to_string(),
            })
            .into_response())
        }
        _ => Err(ApiError::invalid("type")),
    }
}

/// Steps 1-3 for `device_id` on `account_id`: what `status` answers, and the sign-in with it.
pub async fn strong_auth_status(
    state: &AppState,
    account_id: i64,
    device_id: &str,
) -> Result<StrongAuthStatus, ApiError> {
    let account = store::account(&state.pool, account_id).await?;
    // One read of the devices answers both "is this one enrolled" and the limit.
    let devices = store::devices_of(&state.pool, account_id, device_id).await?;
    let block = store::block_of(state, &account, devices);
    let phone = trusted_phone_of(account.trusted_phone);
    Ok(StrongAuthStatus {
        is_device_activated: devices.this_one,
        is_account_blocked: block.as_str().to_string(),
        enrolled_devices: u32::try_from(devices.count).unwrap_or(u32::MAX),
        phone_number: phone.phone_number,
        masked_phone_number: phone.masked_phone_number,
    })
}

/// The trusted phone as the SDK shows it: in E.164 and masked, or nulls.
fn trusted_phone_of(number: Option<String>) -> TrustedPhone {
    TrustedPhone {
        masked_phone_number: number.as_deref().map(wire::validate::mask_phone_number),
        phone_number: number,
    }
}

/// `GET /api/v1/account/status`: steps 1-3 (`isDeviceActivated`, `isAccountBlocked`, the
/// trusted phone) in one read, so a screen that needs all three waits for one answer.
#[utoipa::path(
    get,
    path = "/api/v1/account/status",
    tag = "account",
    description = "The answers of the three SDK reads (account isDeviceActivated, account isAccountBlocked, trustedphonenumber) in one body; those calls stay as they are.",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::StrongAuthStatusEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    session: AuthSession,
) -> ApiResult<StrongAuthStatus> {
    ok(strong_auth_status(&state, session.account_id, &session.device_id).await?)
}

/// `GET …/trustedphonenumber`: the number in E.164 and masked, or nulls.
#[utoipa::path(
    get,
    path = "/api/v1/pims/authentication/trustedphonenumber",
    tag = "strong-authentication",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::TrustedPhoneEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn trusted_phone(
    State(state): State<AppState>,
    session: AuthSession,
) -> ApiResult<TrustedPhone> {
    let account = store::account(&state.pool, session.account_id).await?;
    ok(trusted_phone_of(account.trusted_phone))
}

/// `GET /api/v1/account/events`: the audit trail, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/account/events",
    tag = "account",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::SecurityEventsEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    session: AuthSession,
) -> ApiResult<SecurityEvents> {
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT kind, at, device_label FROM security_events
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT 100",
    )
    .bind(session.account_id)
    .fetch_all(&state.pool)
    .await?;
    let events = rows
        .into_iter()
        .filter_map(|(kind, at, device)| {
            EventKind::parse(&kind).map(|kind| SecurityEvent { kind, at, device })
        })
        .collect();
    ok(SecurityEvents { events })
}
