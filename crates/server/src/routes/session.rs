//! Sign in, who am I, sign out, and the hand-off of a session to an embedded
//! portal. Every session is bound to one device key: the one whose proof came
//! with the sign-in (or the one a hand-off names).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use wire::api::{
    paths, EmbedToken, SessionCreated, SessionExchange, SessionHandoff, SessionInfo, SignIn,
    SignedIn,
};
use wire::ErrorCode;

use crate::auth::{self, AuthSession, ProvenKey};
use crate::client_ip::ClientIp;
use crate::error::{ok, ok_null, ApiError, ApiJson, ApiOk, ApiResult};
use crate::store;
use crate::AppState;
use crate::{crypto, sign_in_limit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SESSION, post(sign_in).get(who_am_i).delete(sign_out))
        .route(paths::SESSION_HANDOFF, post(handoff))
        .route(paths::SESSION_EXCHANGE, post(exchange))
}

/// How long an embed token waits for its exchange: the host posts it to the iframe
/// as soon as it has it, so a minute covers a slow network and little else.
pub const EMBED_TOKEN_SECONDS: i64 = 60;

/// `POST /api/v1/session`: checks the password, opens a session, sets the cookie.
/// A wrong email and a wrong password get the same 2301 after the same work.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    request_body = crate::openapi::schemas::SignIn,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    responses(
        (status = 200, description = "Signed in, with steps 1-3 for the proof's key; also sets the HttpOnly session cookie (portal_session, Path=/api; __Host-portal_session, Secure, Path=/ when the public URL is https)", body = crate::openapi::schemas::SignedInEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 wrong email or password (one answer for both)", body = crate::openapi::schemas::Failed),
        (status = 423, description = "2317 locked after 100 consecutive wrong passwords, until an operator runs portal-server unlock EMAIL (unknown emails alike)", body = crate::openapi::schemas::Failed),
        (status = 429, description = "2391 from the 5th consecutive wrong password the email waits (30 s, doubling, at most 1 h); or the client address ran out of sign-in attempts (a bucket of 20 refilled at 20 a minute by default, --sign-in-per-ip-per-minute); Retry-After and retryAfterSeconds say how long", body = crate::openapi::schemas::Failed),
        (status = 500, description = "2000 unknown error, 2204 server error (database, SMS gateway)", body = crate::openapi::schemas::Failed),
        (status = 503, description = "2204 the server is shedding load: too many password and PIN checks wait for a core (--hash-queue); Retry-After and retryAfterSeconds say when to try again", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientIp,
    key: ProvenKey,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    if body.email.trim().is_empty() {
        return Err(ApiError::missing("email"));
    }
    if body.password.is_empty() {
        return Err(ApiError::missing("password"));
    }
    if body.email.len() > 320 || body.password.len() > 1024 {
        return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
    }
    // Before any hashing: a flooding address, a waiting or locked email cost the server
    // nothing.
    sign_in_limit::check_client(&state, client).await?;
    let attempt = sign_in_limit::take_try(&state, &body.email).await?;
    let compared = async {
        match store::account_by_email(&state.pool, &body.email).await? {
            Some((id, email, hash)) => {
                let right = state
                    .hasher
                    .verify_sign_in(body.password.clone(), hash.clone())
                    .await?;
                if !right {
                    tracing::info!(account_id = id, "sign-in refused: wrong password");
                }
                Ok::<_, ApiError>(right.then_some((id, email, hash)))
            }
            None => {
                // The same work as a known email's wrong password: the answer's timing
                // says nothing of which emails exist.
                state
                    .hasher
                    .verify_sign_in(body.password.clone(), state.dummy_password_hash.clone())
                    .await?;
                tracing::info!("sign-in refused: unknown email");
                Ok(None)
            }
        }
    }
    .await;
    let (account_id, login) = match compared {
        Ok(Some((id, email, hash))) => {
            store::refresh_password_hash(&state, id, &hash, body.password).await;
            (id, email)
        }
        Ok(None) => {
            attempt.wrong();
            return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
        }
        Err(error) => {
            attempt.give_back(&state).await?;
            return Err(error);
        }
    };
    attempt.right(&state).await?;
    let policy = state.policy();
    let label = crate::device_label::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let (token, expires_at) =
        open_session(&state, account_id, &key.thumbprint, &label, None).await?;
    tracing::info!(account_id, "signed in");
    let cookie = auth::session_cookie(&state.settings, &token, policy.session_absolute_seconds);
    let status =
        crate::routes::account::strong_auth_status(&state, account_id, &key.thumbprint).await?;
    let mut response = ApiOk(Some(SignedIn {
        token,
        expires_at,
        login,
        status,
    }))
    .into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `GET /api/v1/session`: the signed-in login.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::SessionInfoEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn who_am_i(session: AuthSession) -> ApiResult<SessionInfo> {
    ok(SessionInfo {
        login: session.login,
    })
}

/// `DELETE /api/v1/session`: revokes the token (when there is one, and it is
/// bound to this request's key) and clears the cookie.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    description = "Idempotent: without a session (none, expired or already revoked) it answers 200 too and clears the cookie.",
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Signed out; the cookie is cleared", body = crate::openapi::schemas::SucceededNull),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    key: ProvenKey,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // A token of another key is not this caller's session: it stays, so a
    // stolen token cannot even sign its owner out.
    let token = auth::token_from(&headers, state.settings.session_cookie_name());
    let session = match &token {
        Some(token) => auth::session_for_token(&state, token, Some(&key.thumbprint)).await?,
        None => None,
    };
    if let Some((account_id, _, token_hash)) = session {
        let mut tx = crate::db::begin(&state.pool).await?;
        store::end_session(&mut tx, account_id, &token_hash).await?;
        tx.commit().await?;
    }
    let mut response = ok_null().into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::session_cookie(&state.settings, "", 0),
    );
    Ok(response)
}

/// `POST /api/v1/session/handoff`: an embedding host, signed in with its own
/// key, asks for an embed token for the portal in its iframe. The token opens
/// nothing by itself: only the key the host named can exchange it, once, within
/// a minute. So the host page never holds a session of the portal's.
#[utoipa::path(
    post,
    path = "/api/v1/session/handoff",
    tag = "session",
    description = "Called by an embedding host page with its own session and DPoP proof. The embed token is good once, for 60 s, and only in session/exchange with a proof of the key named by deviceId (the thumbprint the portal sends in its ready message).",
    request_body = crate::openapi::schemas::SessionHandoff,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "An embed token for the named key", body = crate::openapi::schemas::EmbedTokenEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it: DPoP (2101 without a proof, 2102 for a refused or replayed one), deviceId)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn handoff(
    State(state): State<AppState>,
    session: AuthSession,
    ApiJson(body): ApiJson<SessionHandoff>,
) -> ApiResult<EmbedToken> {
    wire::validate::device_id(&body.device_id).map_err(|p| ApiError::problem(p, "deviceId"))?;
    let (host_expires_at, family): (i64, String) =
        sqlx::query_as("SELECT expires_at, family FROM sessions WHERE token_hash = $1")
            .bind(&session.token_hash)
            .fetch_one(&state.pool)
            .await?;
    let now = state.now();
    let token = crypto::random_token();
    let expires_at = (now + EMBED_TOKEN_SECONDS).min(host_expires_at);
    sqlx::query("DELETE FROM embed_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(&state.pool)
        .await?;
    sqlx::query(
        "INSERT INTO embed_tokens (token_hash, account_id, device_key, family, host_expires_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state.key.mac("embed-token", &[token.as_bytes()]))
    .bind(session.account_id)
    .bind(&body.device_id)
    .bind(&family)
    .bind(host_expires_at)
    .bind(expires_at)
    .execute(&state.pool)
    .await?;
    tracing::info!(account_id = session.account_id, "embed token issued");
    ok(EmbedToken {
        embed_token: token,
        expires_at,
    })
}

/// `POST /api/v1/session/exchange`: the portal in the iframe trades the host's
/// embed token for its own session, bound to its key, one sign-in with the
/// host's and never outliving it. No cookie: the embedded portal keeps its
/// token in memory and asks the host again after a reload.
#[utoipa::path(
    post,
    path = "/api/v1/session/exchange",
    tag = "session",
    description = "The embed token is consumed by the first exchange, whatever its outcome; a second one, an expired token, or a proof of another key than the one the hand-off named get 2301.",
    request_body = crate::openapi::schemas::SessionExchange,
    params(("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id")),
    responses(
        (status = 200, description = "A session for the proof's key (no cookie)", body = crate::openapi::schemas::SessionCreatedEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it: DPoP, embedToken)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 unknown, used or expired embed token, or one made for another key", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn exchange(
    State(state): State<AppState>,
    key: ProvenKey,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SessionExchange>,
) -> ApiResult<SessionCreated> {
    if body.embed_token.is_empty() {
        return Err(ApiError::missing("embedToken"));
    }
    if body.embed_token.len() > 128 {
        return Err(ApiError::invalid("embedToken"));
    }
    let now = state.now();
    // Deleting is what makes it single use: of two racing exchanges, one gets the row.
    let found: Option<(i64, String, String, i64)> = sqlx::query_as(
        "DELETE FROM embed_tokens WHERE token_hash = $1 AND expires_at > $2
         RETURNING account_id, device_key, family, host_expires_at",
    )
    .bind(state.key.mac("embed-token", &[body.embed_token.as_bytes()]))
    .bind(now)
    .fetch_optional(&state.pool)
    .await?;
    let Some((account_id, device_key, family, host_expires_at)) = found else {
        tracing::warn!("embed token refused: unknown, used or expired");
        return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
    };
    if device_key != key.thumbprint {
        tracing::warn!(account_id, "embed token refused: made for another key");
        return Err(ApiError::new(ErrorCode::NeedBasicAuthentication));
    }
    let login: String = sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&state.pool)
        .await?;
    let label = crate::device_label::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let (token, expires_at) = open_session(
        &state,
        account_id,
        &device_key,
        &label,
        Some((host_expires_at, &family)),
    )
    .await?;
    tracing::info!(account_id, "embed token exchanged for a session");
    ok(SessionCreated {
        token,
        expires_at,
        login,
    })
}

/// Opens a session bound to `device_key` (after dropping the account's expired
/// ones): its token, and when it expires if left idle. `host`: the expiry and
/// sign-in (`family`) of the host session a hand-off comes from.
async fn open_session(
    state: &AppState,
    account_id: i64,
    device_key: &str,
    label: &str,
    host: Option<(i64, &str)>,
) -> Result<(String, i64), ApiError> {
    let now = state.now();
    let policy = state.policy();
    let token = crypto::random_token();
    let token_hash = state.key.mac("session", &[token.as_bytes()]);
    let absolute =
        (now + policy.session_absolute_seconds).min(host.map_or(i64::MAX, |(expiry, _)| expiry));
    let family = host.map_or_else(|| token_hash.clone(), |(_, family)| family.to_string());
    sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND (expires_at <= $2 OR last_used_at <= $3)",
    )
    .bind(account_id)
    .bind(now)
    .bind(now - policy.session_idle_seconds)
    .execute(&state.pool)
    .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, public_id, device_label, device_key, account_id, created_at, last_used_at, expires_at, family)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
    )
    .bind(&token_hash)
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(label)
    .bind(device_key)
    .bind(account_id)
    .bind(now)
    .bind(absolute)
    .bind(&family)
    .execute(&state.pool)
    .await?;
    Ok((token, (now + policy.session_idle_seconds).min(absolute)))
}
