//! Portal configuration and, in demo mode only, the SMS outbox.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use wire::api::{paths, Outbox, OutboxMessage, PortalConfig, SmsPurpose};

use crate::auth::{self, MaybeAccount};
use crate::error::{ok, ApiError, ApiResult};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::CONFIG, get(config))
        .route(paths::OUTBOX, get(outbox))
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
    let login = match auth::token_from(&headers) {
        Some(token) => auth::session_for_token(&state, &token, None)
            .await?
            .map(|(_, login, _)| login),
        None => None,
    };
    let policy = state.policy();
    ok(PortalConfig {
        pin_length: policy.pin_length,
        demo: state.settings.demo,
        default_region: policy.default_region.clone(),
        frame_ancestors: state.settings.frame_ancestors.clone(),
        login,
    })
}

/// `GET /api/v1/dev/outbox[?to=+33…]` (demo mode only, 404 otherwise): the
/// messages "sent", newest first; only the caller's when signed in.
#[utoipa::path(
    get,
    path = "/api/v1/dev/outbox",
    tag = "portal",
    description = "Demo mode only.",
    params(("to" = Option<String>, Query, description = "Only messages to this number")),
    responses(
        (status = 200, description = "Messages newest first; only the caller's with a session", body = crate::openapi::schemas::OutboxEnvelope),
        (status = 404, description = "Not in demo mode", body = crate::openapi::schemas::Failed),
    )
)]
pub async fn outbox(
    State(state): State<AppState>,
    account: MaybeAccount,
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
         WHERE ($1 IS NULL OR account_id = $1) AND ($2 IS NULL OR to_phone = $2)
         ORDER BY id DESC LIMIT 200",
    )
    .bind(account.0)
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
