//! Who is calling: the session (bearer token or `portal_session` cookie) and
//! the device (`X-Device-Id`). Handlers that take [`AuthSession`] cannot
//! forget either check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use wire::ErrorCode;

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "portal_session";

/// A signed-in account calling from a device with a well-formed id.
#[derive(Clone, Debug)]
pub struct AuthSession {
    pub account_id: i64,
    pub login: String,
    pub device_id: String,
    /// MAC of the token, the key of its row.
    pub token_hash: String,
    /// Where the request came from, for the device label of new enrollments.
    pub user_agent: Option<String>,
}

impl AuthSession {
    /// The label this device gets ("Chrome on Linux").
    pub fn device_label(&self) -> String {
        crate::device_label::from_user_agent(self.user_agent.as_deref())
    }
}

/// The session token of a request: `Authorization: Bearer` first, else the cookie.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    bearer
        .map(str::to_string)
        .or_else(|| cookie(headers, SESSION_COOKIE))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The `X-Device-Id` header: `Ok(None)` when absent, 2102 when malformed.
pub fn device_id_from(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(wire::DEVICE_ID_HEADER) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid(wire::DEVICE_ID_HEADER))?;
    if text.is_empty() {
        return Err(ApiError::missing(wire::DEVICE_ID_HEADER));
    }
    wire::validate::device_id(text).map_err(|p| ApiError::problem(p, wire::DEVICE_ID_HEADER))?;
    Ok(Some(text.to_ascii_lowercase()))
}

/// The `X-Device-Id` header, required: 2101 when absent, 2102 when malformed.
pub fn required_device_id(headers: &HeaderMap) -> Result<String, ApiError> {
    device_id_from(headers)?.ok_or_else(|| ApiError::missing(wire::DEVICE_ID_HEADER))
}

/// Whether the request reached us over TLS (directly or through a proxy that says so).
pub fn is_https(parts_headers: &HeaderMap, uri: &axum::http::Uri) -> bool {
    uri.scheme_str() == Some("https")
        || parts_headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .next()
                    .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
            })
}

/// Looks a token up and slides its idle expiry: `None` when unknown or expired.
pub async fn session_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<(i64, String, String)>, ApiError> {
    let token_hash = state.key.mac("session", &[token.as_bytes()]);
    let now = state.now();
    let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT s.account_id, a.email, s.last_used_at, s.expires_at
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(&state.pool)
    .await?;
    let Some((account_id, login, last_used_at, expires_at)) = row else {
        return Ok(None);
    };
    let idle = state.policy().session_idle_seconds;
    if now >= expires_at || now >= last_used_at + idle {
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
        let token = token_from(&parts.headers).ok_or(ErrorCode::NeedBasicAuthentication)?;
        let device_id = required_device_id(&parts.headers)?;
        let (account_id, login, token_hash) = session_for_token(state, &token)
            .await?
            .ok_or(ErrorCode::NeedBasicAuthentication)?;
        let now = state.now();
        sqlx::query(
            "UPDATE devices SET last_seen_at = $1 WHERE account_id = $2 AND device_id = $3 AND last_seen_at < $4",
        )
        .bind(now)
        .bind(account_id)
        .bind(&device_id)
        .bind(now - 5)
        .execute(&state.pool)
        .await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(AuthSession {
            account_id,
            login,
            device_id,
            token_hash,
            user_agent,
        })
    }
}

/// The session of a request when there is a valid one (no device id needed):
/// the dev outbox uses it to narrow its listing.
pub struct MaybeAccount(pub Option<i64>);

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = token_from(&parts.headers) else {
            return Ok(MaybeAccount(None));
        };
        Ok(MaybeAccount(
            session_for_token(state, &token).await?.map(|(id, _, _)| id),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_wins_over_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; portal_session=cookie"),
        );
        assert_eq!(token_from(&headers).as_deref(), Some("cookie"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer bearer"),
        );
        assert_eq!(token_from(&headers).as_deref(), Some("bearer"));
    }

    #[test]
    fn device_ids_are_checked() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            required_device_id(&headers).unwrap_err().code(),
            ErrorCode::MissingParameter
        );
        headers.insert("x-device-id", HeaderValue::from_static("nope"));
        let error = required_device_id(&headers).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidParameter);
        assert_eq!(error.body.label, "Invalid parameter: X-Device-Id");
        headers.insert(
            "x-device-id",
            HeaderValue::from_static("3F2B8C1E-9A4D-4E6F-8B2A-1C3D5E7F9A0B"),
        );
        assert_eq!(
            required_device_id(&headers).unwrap(),
            "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"
        );
    }
}
