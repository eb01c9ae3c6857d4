//! The router: one module per resource, merged here, with the API's own 404
//! and 405 envelopes and the portal's files behind everything else.

pub mod account;
pub mod dev;
pub mod devices;
pub mod enrollment;
pub mod otp;
pub mod pincode;
pub mod session;
pub mod sessions;
pub mod sms;
pub mod vehicles;

use std::path::Path;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use wire::api::paths;

use crate::error::ApiError;
use crate::middleware;
use crate::AppState;

/// Largest accepted API request body.
pub const API_BODY_LIMIT: usize = 16 * 1024;

/// Every path the API routes (the OpenAPI test checks the document covers
/// each method the router answers on them).
pub const API_PATHS: &[&str] = &[
    paths::SESSION,
    paths::SESSION_HANDOFF,
    paths::SESSION_EXCHANGE,
    paths::ACCOUNT,
    paths::TRUSTED_PHONE,
    paths::STATUS,
    paths::SMS_CODE_REQUEST,
    paths::SMS_CODE,
    paths::ENROLLMENT,
    paths::PIN_CODE,
    paths::OTP,
    paths::DEVICES,
    paths::VEHICLES,
    paths::EVENTS,
    paths::SESSIONS,
    paths::CONFIG,
    paths::OUTBOX,
    crate::openapi::OPENAPI_PATH,
];

/// Every API route, without the cross-cutting layers.
pub fn api_router(state: &AppState) -> Router<AppState> {
    // Only what a visitor needs before it has a key goes without a proof; everything
    // else (the demo outbox too) is behind the one check. `route_layer`:
    // an unknown path or method gets its 404/405, not a demand for a proof.
    let public = Router::new()
        .route(
            crate::openapi::OPENAPI_PATH,
            axum::routing::get(crate::openapi::openapi_json),
        )
        .merge(dev::router());
    let demo = if state.settings.demo {
        dev::outbox_router()
    } else {
        Router::new()
    };
    Router::new()
        .merge(session::router())
        .merge(demo)
        .merge(account::router())
        .merge(devices::router())
        .merge(sessions::router())
        .merge(sms::router())
        .merge(enrollment::router())
        .merge(pincode::router())
        .merge(otp::router())
        .merge(vehicles::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::require_proof,
        ))
        .merge(public)
}

pub fn router(state: AppState) -> Router {
    let api = api_router(&state)
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT));
    let mut router = api
        .fallback_service(static_files(
            state.settings.static_dir.as_deref(),
            state.settings.session_cookie_name(),
        ))
        .with_state(state.clone())
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ));
    if let Some(cors) = cors(&state.settings.cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::client_ip::resolve,
        ))
        .layer(axum::middleware::from_fn(middleware::request_context))
}

async fn api_not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// The built portal with SPA fallback to its page for the path (see
/// [`wire::serves_account_page`]: `account.html` for account management when
/// the build has it, `index.html` for the rest), or a plain 404 when there is
/// no static directory (API-only mode).
fn static_files(dir: Option<&Path>, session_cookie: &'static str) -> Router {
    match dir.filter(|d| d.is_dir()) {
        Some(dir) => {
            // The build writes `NAME.br` and `NAME.gz` beside each text file, compressed
            // once at their best settings (smaller than this server's on-the-fly level):
            // sent in its place to a browser that accepts the encoding. A file without one
            // is compressed by `CompressionLayer` as before.
            let file = ServeDir::new(dir).precompressed_br().precompressed_gzip();
            let page = |name: &str| {
                file.clone().fallback(
                    ServeFile::new(dir.join(name))
                        .precompressed_br()
                        .precompressed_gzip(),
                )
            };
            let index = page("index.html");
            let account = dir
                .join(wire::ACCOUNT_PAGE)
                .is_file()
                .then(|| page(wire::ACCOUNT_PAGE));
            // A missing file (`/favicon.ico`, the wasm of a build since replaced) is a
            // 404, not the page: HTML in place of a script or a wasm only fails later
            // and more obscurely.
            let dir = dir.to_path_buf();
            let files = tower::service_fn(move |request: axum::extract::Request| {
                let (index, account, file) = (index.clone(), account.clone(), file.clone());
                let dir = dir.clone();
                async move {
                    let path = request.uri().path();
                    if names_a_file(path) {
                        return file.oneshot(request).await.map(IntoResponse::into_response);
                    }
                    // A signed-in visitor (over https the session cookie reaches pages too)
                    // is sent on by the app at once: no sign-in screen to show meanwhile.
                    let signed_in =
                        crate::auth::cookie(request.headers(), session_cookie).is_some();
                    let shell = (!signed_in)
                        .then(|| {
                            crate::shell::page(&dir, path, request.uri().query(), request.headers())
                        })
                        .flatten();
                    if let Some(shell) = shell {
                        let page = ServeFile::new(shell)
                            .precompressed_br()
                            .precompressed_gzip();
                        let mut response = page.oneshot(request).await?.into_response();
                        // Another language, or the choice saved since, is another page.
                        response.headers_mut().append(
                            header::VARY,
                            header::HeaderValue::from_static("accept-language, cookie"),
                        );
                        return Ok(response);
                    }
                    let page = match account {
                        Some(account) if wire::serves_account_page(path) => account,
                        _ => index,
                    };
                    page.oneshot(request).await.map(IntoResponse::into_response)
                }
            });
            Router::new()
                .fallback_service(files)
                .layer(axum::middleware::from_fn(middleware::static_cache))
        }
        None => Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "Not found") }),
    }
}

/// A path whose last segment has an extension names a file; the portal's routes have none.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<_> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("dpop"),
                HeaderName::from_static("x-strong-auth"),
            ])
            .expose_headers([header::RETRY_AFTER]),
    )
}
