//! Portal configuration and, in demo mode only, the SMS outbox.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use wire::api::{paths, Outbox, OutboxMessage, PortalConfig, SmsPurpose};

use crate::auth::{self, AuthSession};
use crate::error::{ok, ApiError, ApiResult};
use crate::AppState;

/// The portal configuration: public (the pages preload it unsigned).
pub fn router() -> Router<AppState> {
    Router::new().route(paths::CONFIG, get(config))
}

/// The demo outbox: mounted behind the proof check, and only in demo mode (elsewhere
/// its path is the API's 404 like any unknown one).
pub fn outbox_router() -> Router<AppState> {
    Router::new().route(paths::OUTBOX, get(outbox))
}

/// `GET /api/v1/config` (no session needed): what the portal needs to start,
/// and who is signed in when the request carries a valid session.
#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "portal",
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Succeeded", body = crate::openapi::schemas::PortalConfigEnvelope),
    )
)]
pub async fn config(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<PortalConfig> {
    // Who is signed in rides along, so the portal's start-up needs no
    // `GET /session`, which answers 401 to a visitor who is not signed in.
    // Without a proof: the pages preload this request (`<link rel=preload>`, in
    // parallel with the wasm), and a preload cannot sign. The login is all a
    // session token of another key learns here: it opens nothing.
    let login = match auth::token_from(&headers, state.settings.session_cookie_name()) {
        Some(token) => auth::session_for_token(&state, &token, None)
            .await?
            .map(|(_, login, _)| login),
        None => None,
    };
    let policy = state.policy();
    ok(PortalConfig {
        pin_length: policy.pin_length,
        device_limit: policy.device_limit,
        demo: state.settings.demo,
        default_region: policy.default_region.clone(),
        region_follows_language: !policy.default_region_set,
        frame_ancestors: state.settings.frame_ancestors.clone(),
        login,
    })
}

/// `GET /api/v1/dev/outbox[?to=+33…]` (demo mode only, 404 otherwise): the
/// messages "sent" to the signed-in account, newest first. A session (with its proof,
/// like every call) is required: the codes in them are that account's only.
#[utoipa::path(
    get,
    path = "/api/v1/dev/outbox",
    tag = "portal",
    description = "Demo mode only. The messages sent to the signed-in account (its codes and notices), never another's.",
    params(
        ("to" = Option<String>, Query, description = "Only messages to this number"),
        ("DPoP" = String, Header, description = "DPoP proof (RFC 9449) made for this request by this browser's key, whose thumbprint is the device id"),
    ),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The account's messages, newest first", body = crate::openapi::schemas::OutboxEnvelope),
        (status = 400, description = "2101 missing or 2102 invalid parameter (the label names it, e.g. DPoP: 2101 without a proof, 2102 for a refused or replayed one)", body = crate::openapi::schemas::Failed),
        (status = 401, description = "2301 no session, it expired, or it is bound to another key than the proof's", body = crate::openapi::schemas::Failed),
        (status = 404, description = "Not in demo mode", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn outbox(
    State(state): State<AppState>,
    session: AuthSession,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Outbox> {
    if !state.settings.demo {
        return Err(ApiError::not_found());
    }
    let Query(query) = query.map_err(|_| ApiError::invalid("query"))?;
    let to = query.get("to").map(|to| {
        // An unencoded `?to=+336…` arrives as " 336…": the plus became a space.
        let typed = match to.strip_prefix(' ') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => format!("+{rest}"),
            _ => to.clone(),
        };
        crate::phone::normalise(&typed, &state.policy().default_region).unwrap_or(typed)
    });
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT to_phone, text, purpose, sent_at FROM outbox
         WHERE account_id = $1 AND ($2 IS NULL OR to_phone = $2)
         ORDER BY id DESC LIMIT 200",
    )
    .bind(session.account_id)
    .bind(to)
    .fetch_all(&state.pool)
    .await?;
    let messages = rows
        .into_iter()
        .filter_map(|(to, text, purpose, sent_at)| {
            SmsPurpose::named(&purpose).map(|purpose| OutboxMessage {
                to,
                text,
                purpose,
                sent_at,
            })
        })
        .collect();
    ok(Outbox { messages })
}
