//! Cross-cutting layers: the request id and its tracing span, security
//! headers, cache headers of the portal's files.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::AppState;

/// Gives each request an id (the envelope's `transactionId`) and a span that
/// carries it, with the client's address (`client_ip::resolve` fills it in). Only the
/// method, the path and the status are logged: never headers, query strings or bodies.
pub async fn request_context(request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
        client_ip = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = crate::error::with_request_id(request_id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "response"
        );
    });
    response
}

/// CSP, nosniff, no referrer on every response; HSTS when the public URL is https
/// (configured, so a request cannot turn it off by what it claims).
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, state.csp.header(html));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if state.settings.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Hashed file names (trunk's `name-<hash>.ext`) are cached forever, the rest
/// (`index.html` and the SPA fallback) revalidated on every load.
pub async fn static_cache(request: Request, next: Next) -> Response {
    let hashed = is_hashed_file_name(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        // Which bytes a path answers depends on the encodings the browser accepts (the
        // build's `.br`/`.gz` copies, or compression on the fly): a shared cache must not
        // hand one browser's brotli to another that cannot read it.
        let varies = response.headers().get_all(header::VARY).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        });
        if !varies {
            response
                .headers_mut()
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
    response
}

/// `portal-3f2a9c0b1d4e5f67_bg.wasm`, `style-0123456789abcdef.css`: a stem
/// ending in `-` then at least 8 hex digits (an optional `_bg` after them).
pub fn is_hashed_file_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed_file_name("/portal-3f2a9c0b1d4e5f67_bg.wasm"));
        assert!(is_hashed_file_name("/portal-3f2a9c0b1d4e5f67.js"));
        assert!(is_hashed_file_name("/style-0123456789abcdef.css"));
        assert!(!is_hashed_file_name("/index.html"));
        assert!(!is_hashed_file_name("/enroll/sms"));
        assert!(!is_hashed_file_name("/my-logo.svg"));
    }
}
