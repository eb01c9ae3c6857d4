//! Sign in, who am I, sign out.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use wire::api::{paths, SessionCreated, SessionInfo, SignIn};
use wire::ErrorCode;

use crate::auth::{self, AuthSession, SESSION_COOKIE};
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiOk, ApiResult};
use crate::store;
use crate::AppState;
use crate::{crypto, sign_in_limit};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::SESSION, post(sign_in).get(who_am_i).delete(sign_out))
}

/// `POST /api/v1/session`: checks the password, opens a session, sets the cookie.
/// A wrong email and a wrong password get the same 2301 after the same work.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    request_body = crate::openapi::schemas::SignIn,
    params(("X-Device-Id" = Option<String>, Header, description = "Optional here")),
    responses(
        (status = 200, description = "Signed in; also sets the HttpOnly portal_session cookie (Path=/api)", body = crate::openapi::schemas::SessionCreatedEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. X-Device-Id)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 wrong email or password (one answer for both)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 locked after 100 consecutive wrong passwords, until an operator runs portal-server unlock EMAIL (unknown emails alike)", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 from the 5th consecutive wrong password the email waits (30 s, doubling, at most 1 h); Retry-After and retryAfterSeconds say how long", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    auth::device_id_from(&headers)?;
    if body.email.trim().is_empty() {
        return Err(ApiError::missing("email"));
    }
    if body.password.is_empty() {
        return Err(ApiError::missing("password"));
    }
    if body.email.len() > 320 || body.password.len() > 1024 {
        return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
    }
    // Before any hashing: a waiting or locked email costs the server nothing.
    sign_in_limit::check(&state, &body.email).await?;
    let found = store::account_by_email(&state.pool, &body.email).await?;
    let (account_id, login) = match found {
        Some((id, email, hash)) => {
            if !state.hasher.verify(body.password, hash).await? {
                sign_in_limit::record_failure(&state, &body.email).await?;
                tracing::info!(account_id = id, "sign-in refused: wrong password");
                return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
            }
            (id, email)
        }
        None => {
            state
                .hasher
                .verify(body.password, state.dummy_password_hash.clone())
                .await?;
            sign_in_limit::record_failure(&state, &body.email).await?;
            tracing::info!("sign-in refused: unknown email");
            return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
        }
    };
    sign_in_limit::record_success(&state, &body.email).await?;
    let now = state.now();
    let policy = state.policy();
    let token = crypto::random_token();
    let token_hash = state.key.mac("session", &[token.as_bytes()]);
    let absolute = now + policy.session_absolute_seconds;
    sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND (expires_at <= $2 OR last_used_at <= $3)",
    )
    .bind(account_id)
    .bind(now)
    .bind(now - policy.session_idle_seconds)
    .execute(&state.pool)
    .await?;
    let label = crate::device_label::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    sqlx::query(
        "INSERT INTO sessions (token_hash, public_id, device_label, account_id, created_at, last_used_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $5, $6)",
    )
    .bind(&token_hash)
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&label)
    .bind(account_id)
    .bind(now)
    .bind(absolute)
    .execute(&state.pool)
    .await?;
    tracing::info!(account_id, "signed in");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/api; Max-Age={}{}",
        policy.session_absolute_seconds,
        if auth::is_https(&headers, &uri) {
            "; Secure"
        } else {
            ""
        }
    );
    let expires_at = (now + policy.session_idle_seconds).min(absolute);
    let mut response = ApiOk(Some(SessionCreated {
        token,
        expires_at,
        login,
    }))
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /api/v1/session`: the signed-in login.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    params(("X-Device-Id" = String, Header, description = "This browser's device id (canonical UUID)")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::SessionInfoEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. X-Device-Id)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, or it expired", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn who_am_i(session: AuthSession) -> ApiResult<SessionInfo> {
    ok(SessionInfo {
        login: session.login,
    })
}

/// `DELETE /api/v1/session`: revokes the token (when there is one) and clears
/// the cookie. Needs `X-Device-Id` like every cookie-authenticated call.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    description = "Idempotent: without a session (none, expired or already revoked) it answers 200 too and clears the cookie.",
    params(("X-Device-Id" = String, Header, description = "This browser's device id (canonical UUID)")),
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Signed out; the cookie is cleared", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. X-Device-Id)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    auth::required_device_id(&headers)?;
    if let Some(token) = auth::token_from(&headers) {
        let token_hash = state.key.mac("session", &[token.as_bytes()]);
        let mut tx = crate::db::begin(&state.pool).await?;
        store::end_session(&mut tx, &token_hash).await?;
        tx.commit().await?;
    }
    let cookie = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/api; Max-Age=0{}",
        if auth::is_https(&headers, &uri) {
            "; Secure"
        } else {
            ""
        }
    );
    let mut response = ok_null().into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
