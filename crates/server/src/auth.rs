//! Who is calling: the device key (a DPoP proof, RFC 9449, checked by
//! [`require_proof`] on every API route that needs one) and the session
//! (bearer token or session cookie), bound to the key it was opened
//! with. Handlers that take [`AuthSession`] cannot forget either check.

use std::sync::atomic::Ordering;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use wire::{ErrorCode, DPOP_HEADER};

use crate::dpop;
use crate::error::ApiError;
use crate::AppState;

/// The session cookie's name over plain http (a loopback public URL, or none).
pub const SESSION_COOKIE: &str = "portal_session";
/// Its name when the public URL is https: the `__Host-` prefix makes browsers take it
/// only with `Secure`, `Path=/` and no `Domain`, so no other origin can plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-portal_session";

/// A signed-in account calling from the device its session was opened on.
#[derive(Clone, Debug)]
pub struct AuthSession {
    pub account_id: i64,
    pub login: String,
    /// The thumbprint of the key this request's proof was signed with, which
    /// is also the session's key.
    pub device_id: String,
    /// That key's public JWK (canonical text), which enrollment stores.
    pub device_jwk: String,
    /// MAC of the token, the key of its row.
    pub token_hash: String,
    /// Where the request came from, for the device label of new enrollments.
    pub user_agent: Option<String>,
    /// The client's address, whose wrong guesses of a PIN or an SMS code are limited
    /// across accounts ([`crate::guesses`]).
    pub client: crate::client_ip::ClientIp,
}

impl AuthSession {
    /// The label this device gets ("Chrome on Linux").
    pub fn device_label(&self) -> String {
        crate::device_label::from_user_agent(self.user_agent.as_deref())
    }
}

/// The session token of a request: `Authorization: Bearer` first, else the cookie
/// (`cookie_name`: see `Settings::session_cookie_name`).
pub fn token_from(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    bearer(headers).or_else(|| cookie(headers, cookie_name))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The device key a request proved it holds: put in the request's extensions
/// by [`require_proof`], read by sign-in, sign-out and [`AuthSession`].
#[derive(Clone, Debug)]
pub struct ProvenKey {
    /// RFC 7638 thumbprint: the device id.
    pub thumbprint: String,
    /// Canonical public JWK text.
    pub public_jwk: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ProvenKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Absent only on a route outside `require_proof`: refused rather than
        // trusted, so a route mounted in the wrong place fails closed.
        parts
            .extensions
            .get::<ProvenKey>()
            .cloned()
            .ok_or_else(|| ApiError::missing(DPOP_HEADER))
    }
}

/// Middleware of every API route but the public ones (config, the OpenAPI
/// document, the demo outbox): the request must carry a fresh, unreplayed DPoP
/// proof made for it, else 2101 (no proof) or 2102 (any other fault). The
/// handler never runs for a refused proof, so a refused request changes nothing.
pub async fn require_proof(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let key = check_proof(&state, request.headers(), request.method(), request.uri()).await?;
    request.extensions_mut().insert(key);
    let by_cookie = bearer(request.headers()).is_none()
        && cookie(request.headers(), state.settings.session_cookie_name()).is_some();
    let mut response = next.run(request).await;
    // A session cookie that is no session of this key (another key's, expired, ended) is
    // dropped: otherwise the public config, which cannot check a key (the pages preload
    // it, unsigned), would keep naming its login, and the portal would go round between
    // the sign-in page and the account.
    if by_cookie && response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .append(header::SET_COOKIE, session_cookie(&state.settings, "", 0));
    }
    Ok(response)
}

/// The `Set-Cookie` of the session cookie: `token` for `max_age` seconds, or, with an
/// empty token and 0, its removal. Scripts cannot read it. Over https (the configured
/// public URL, not what a proxy says per request) it is `Secure` and `__Host-`, which
/// demands `Path=/`; over http it goes to the API only.
pub fn session_cookie(
    settings: &crate::config::Settings,
    token: &str,
    max_age: i64,
) -> HeaderValue {
    let name = settings.session_cookie_name();
    let scope = if settings.https {
        "Path=/; Secure"
    } else {
        "Path=/api"
    };
    HeaderValue::from_str(&format!(
        "{name}={token}; HttpOnly; SameSite=Strict; {scope}; Max-Age={max_age}"
    ))
    .expect("a token is base64url")
}

async fn check_proof(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Result<ProvenKey, ApiError> {
    let mut values = headers.get_all(DPOP_HEADER).iter();
    let proof = match (values.next(), values.next()) {
        (None, _) => return Err(ApiError::missing(DPOP_HEADER)),
        (Some(value), None) if value.is_empty() => return Err(ApiError::missing(DPOP_HEADER)),
        // RFC 9449 section 4.3: exactly one proof per request.
        (Some(value), None) => value.to_str().map_err(|_| ApiError::invalid(DPOP_HEADER))?,
        (Some(_), Some(_)) => return Err(ApiError::invalid(DPOP_HEADER)),
    };
    let bearer = bearer(headers);
    let cookie = cookie(headers, state.settings.session_cookie_name());
    let authority = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    let now = state.now();
    // In a block: `Expected` borrows a closure that is not `Send`, and must be
    // gone before the replay check awaits the database.
    let verified = {
        let expected = dpop::Expected {
            method: method.as_str(),
            // The configured public URL's scheme: a proxy's X-Forwarded-Proto is not
            // trusted to say which URL the browser signed.
            scheme: if state.settings.https {
                "https"
            } else {
                "http"
            },
            authority,
            path: uri.path(),
            // The token the session will be looked up by, as `token_from` picks it.
            access_token: bearer.as_deref().or(cookie.as_deref()),
            // A page cannot hash the HttpOnly cookie it cannot read; a bearer's holder can.
            ath_required: bearer.is_some(),
            now,
            nonce_ok: &|_| false,
        };
        dpop::verify(proof, &expected).map_err(|refusal| {
            // The kind only: the proof itself may carry a token hash.
            tracing::info!(refusal = ?refusal, "DPoP proof refused");
            ApiError::invalid(DPOP_HEADER)
        })?
    };
    let fresh = if matches!(*method, Method::GET | Method::HEAD) {
        state.read_jtis.remember(&verified, now)
    } else {
        record_jti(state, &verified, now).await?
    };
    if !fresh {
        tracing::info!(refusal = ?dpop::Refusal::Jti, "DPoP proof refused");
        return Err(ApiError::invalid(DPOP_HEADER));
    }
    Ok(ProvenKey {
        thumbprint: verified.thumbprint,
        public_jwk: verified.public_jwk,
    })
}

/// The `jti`s of the reads' proofs, in this process's memory rather than the database: a
/// replayed read can only read what its session could, so one instance refusing it is
/// enough (the spec's allowance), and a read then costs no write, which on SQLite waits
/// for the single writer and its fsync. Writes keep the database's cache, which every
/// instance shares. Keyed like the database's (thumbprint and `jti`), expiring with the
/// proof's window.
#[derive(Default)]
pub struct ReadJtis {
    seen: std::sync::Mutex<ReadJtisInner>,
}

#[derive(Default)]
struct ReadJtisInner {
    expiry: std::collections::HashMap<(String, String), i64>,
    /// Entries added since the last sweep of expired ones.
    added: usize,
}

/// Expired entries are swept once this many were added since the last sweep.
const READ_JTI_SWEEP_EVERY: usize = 4096;

impl ReadJtis {
    /// `false` when this key already used this `jti` within the proof window.
    pub fn remember(&self, proof: &dpop::VerifiedProof, now: i64) -> bool {
        let expires_at = proof.iat + dpop::IAT_WINDOW_SECONDS;
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if seen.added >= READ_JTI_SWEEP_EVERY {
            seen.expiry.retain(|_, expiry| *expiry >= now);
            seen.added = 0;
        }
        let key = (proof.thumbprint.clone(), proof.jti.clone());
        match seen.expiry.get(&key) {
            Some(expiry) if *expiry >= now => false,
            _ => {
                seen.expiry.insert(key, expires_at);
                seen.added += 1;
                true
            }
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .expiry
            .len()
    }
}

/// How often (in accepted proofs, per process) expired `jti` rows are deleted.
const JTI_PRUNE_EVERY: u64 = 100;

/// Remembers a proof's `jti` in the database, so that every instance sharing
/// it refuses a replay: `false` when the key already used this `jti` within
/// the window. A row whose window has passed is taken over rather than
/// counted as a replay (its proof could no longer be accepted anyway).
async fn record_jti(
    state: &AppState,
    proof: &dpop::VerifiedProof,
    now: i64,
) -> Result<bool, ApiError> {
    // Keyed by the thumbprint too: one client's jti cannot block another's.
    let jti_hash = state.key.mac(
        "dpop-jti",
        &[proof.thumbprint.as_bytes(), proof.jti.as_bytes()],
    );
    // The last second at which `verify` would still accept this proof.
    let expires_at = proof.iat + dpop::IAT_WINDOW_SECONDS;
    let inserted = sqlx::query(
        "INSERT INTO dpop_jtis (jti_hash, expires_at) VALUES ($1, $2)
         ON CONFLICT (jti_hash) DO UPDATE SET expires_at = excluded.expires_at
         WHERE dpop_jtis.expires_at < $3",
    )
    .bind(&jti_hash)
    .bind(expires_at)
    .bind(now)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if state
        .jti_inserts
        .fetch_add(1, Ordering::Relaxed)
        .is_multiple_of(JTI_PRUNE_EVERY)
    {
        sqlx::query("DELETE FROM dpop_jtis WHERE expires_at < $1")
            .bind(now)
            .execute(&state.pool)
            .await?;
    }
    Ok(inserted == 1)
}

/// Looks a token up and slides its idle expiry: `None` when unknown or
/// expired, or when `device_key` is given and the session was opened with
/// another key (then nothing is written: a stolen token neither works nor
/// keeps its session alive).
pub async fn session_for_token(
    state: &AppState,
    token: &str,
    device_key: Option<&str>,
) -> Result<Option<(i64, String, String)>, ApiError> {
    let token_hash = state.key.mac("session", &[token.as_bytes()]);
    let now = state.now();
    let row: Option<(i64, String, i64, i64, String)> = sqlx::query_as(
        "SELECT s.account_id, a.email, s.last_used_at, s.expires_at, s.device_key
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(&state.pool)
    .await?;
    let Some((account_id, login, last_used_at, expires_at, session_key)) = row else {
        tracing::info!("session refused: unknown token");
        return Ok(None);
    };
    if device_key.is_some_and(|key| key != session_key) {
        tracing::info!(account_id, "session refused: proof by another key");
        return Ok(None);
    }
    let idle = state.policy().session_idle_seconds;
    if now >= expires_at || now >= last_used_at + idle {
        tracing::info!(account_id, "session refused: expired");
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&token_hash)
            .execute(&state.pool)
            .await?;
        return Ok(None);
    }
    // Sliding idle expiry, written at most every few seconds.
    if now - last_used_at >= 5 {
        sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&token_hash)
            .execute(&state.pool)
            .await?;
    }
    Ok(Some((account_id, login, token_hash)))
}

impl FromRequestParts<AppState> for AuthSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = ProvenKey::from_request_parts(parts, state).await?;
        let Some(token) = token_from(&parts.headers, state.settings.session_cookie_name()) else {
            tracing::info!("session refused: no token");
            return Err(ErrorCode::NeedBasicAuthentication.into());
        };
        let (account_id, login, token_hash) =
            session_for_token(state, &token, Some(&key.thumbprint))
                .await?
                .ok_or(ErrorCode::NeedBasicAuthentication)?;
        let now = state.now();
        sqlx::query(
            "UPDATE devices SET last_seen_at = $1 WHERE account_id = $2 AND device_id = $3 AND last_seen_at < $4",
        )
        .bind(now)
        .bind(account_id)
        .bind(&key.thumbprint)
        .bind(now - 5)
        .execute(&state.pool)
        .await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let Ok(client) = crate::client_ip::ClientIp::from_request_parts(parts, state).await;
        Ok(AuthSession {
            account_id,
            login,
            device_id: key.thumbprint,
            device_jwk: key.public_jwk,
            token_hash,
            user_agent,
            client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proof(key: &str, jti: &str, iat: i64) -> dpop::VerifiedProof {
        dpop::VerifiedProof {
            thumbprint: key.into(),
            jti: jti.into(),
            iat,
            public_jwk: String::new(),
        }
    }

    #[test]
    fn a_read_proof_is_accepted_once_within_its_window_and_forgotten_after() {
        let jtis = ReadJtis::default();
        let now = 1_000;
        assert!(jtis.remember(&proof("k1", "j1", now), now));
        assert!(
            !jtis.remember(&proof("k1", "j1", now), now + 60),
            "a replay"
        );
        // Another key's jti is its own.
        assert!(jtis.remember(&proof("k2", "j1", now), now));
        // Past the window the proof itself is refused by `verify`; the entry may go.
        assert!(jtis.remember(&proof("k1", "j1", now + 61), now + 61));
        // Expired entries are swept as new ones arrive, so memory follows the window.
        let jtis = ReadJtis::default();
        for n in 0..READ_JTI_SWEEP_EVERY {
            assert!(jtis.remember(&proof("k3", &n.to_string(), now), now));
        }
        assert_eq!(jtis.remembered(), READ_JTI_SWEEP_EVERY);
        jtis.remember(&proof("k4", "last", now + 100), now + 100);
        assert_eq!(
            jtis.remembered(),
            1,
            "only the live entry stays after a sweep"
        );
    }

    #[test]
    fn bearer_wins_over_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; portal_session=cookie"),
        );
        assert_eq!(
            token_from(&headers, SESSION_COOKIE).as_deref(),
            Some("cookie")
        );
        assert_eq!(token_from(&headers, SECURE_SESSION_COOKIE), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer bearer"),
        );
        assert_eq!(
            token_from(&headers, SESSION_COOKIE).as_deref(),
            Some("bearer")
        );
    }
}
