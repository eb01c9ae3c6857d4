//! The account's signed-in sessions, listed and signed out one by one or all but this
//! one (beyond the SDK, as in every account console: a lost laptop, a shared computer).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use wire::api::{paths, EventKind, SessionSummary, Sessions, SessionsRequest, SessionsSignedOut};

use crate::auth::AuthSession;
use crate::error::{ok, ApiError, ApiJson, ApiResult};
use crate::{db, store, AppState};

/// token hash, public id, device label, created at, last used at.
type SessionRow = (String, Option<String>, Option<String>, i64, i64);

pub fn router() -> Router<AppState> {
    Router::new().route(paths::SESSIONS, get(list).post(sign_out))
}

/// `GET /api/v1/account/sessions`: the live sessions, most recently used first.
#[utoipa::path(
    get,
    path = "/api/v1/account/sessions",
    tag = "account",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::SessionsEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn list(State(state): State<AppState>, session: AuthSession) -> ApiResult<Sessions> {
    let now = state.now();
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT token_hash, public_id, device_label, created_at, last_used_at FROM sessions
         WHERE account_id = $1 AND expires_at > $2 AND last_used_at > $3
         ORDER BY last_used_at DESC, created_at DESC",
    )
    .bind(session.account_id)
    .bind(now)
    .bind(now - state.policy().session_idle_seconds)
    .fetch_all(&state.pool)
    .await?;
    let sessions = rows
        .into_iter()
        // Sessions opened before public ids existed cannot be named; "sign out
        // everywhere else" still ends them.
        .filter_map(|(token_hash, id, device, created_at, last_used_at)| {
            let current = token_hash == session.token_hash;
            id.map(|id| SessionSummary {
                id,
                device,
                created_at,
                last_used_at,
                current,
            })
        })
        .collect();
    ok(Sessions { sessions })
}

/// `POST /api/v1/account/sessions`: `{action: signOut, sessionId}` ends one session of
/// the account (2102 naming `sessionId` when it is not one of them); `{action:
/// signOutOthers}` ends every session but this one. Either records a security event.
#[utoipa::path(
    post,
    path = "/api/v1/account/sessions",
    tag = "account",
    request_body = crate::openapi::schemas::SessionsRequest,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "How many sessions ended", body = crate::openapi::schemas::SessionsSignedOutEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it: DPoP, action, sessionId)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<SessionsRequest>,
) -> ApiResult<SessionsSignedOut> {
    let account_id = session.account_id;
    let mut tx = db::begin_write(&state.pool, account_id).await?;
    let signed_out = match body.discriminator.value()? {
        "signOutOthers" => {
            store::revoke_other_sessions(&mut tx, account_id, &session.token_hash).await?
        }
        "signOut" => {
            let id = body
                .session_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .ok_or_else(|| ApiError::missing("sessionId"))?;
            // Another account's id is as unknown as a made-up one.
            let token_hash: Option<String> = sqlx::query_scalar(
                "SELECT token_hash FROM sessions WHERE account_id = $1 AND public_id = $2",
            )
            .bind(account_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let token_hash = token_hash.ok_or_else(|| ApiError::invalid("sessionId"))?;
            store::end_session(&mut tx, account_id, &token_hash).await?
        }
        _ => return Err(ApiError::invalid("action")),
    };
    if signed_out > 0 {
        let label = session.device_label();
        store::record_event(
            &mut *tx,
            account_id,
            EventKind::SessionsSignedOut,
            state.now(),
            Some(&label),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(account_id, signed_out, "sessions signed out from the hub");
    ok(SessionsSignedOut { signed_out })
}
