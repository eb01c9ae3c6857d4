//! The one error type of the API and the envelope every answer is wrapped in.
//!
//! Handlers return [`ApiResult<T>`]; both arms render as a `wire::Envelope`
//! carrying the request id (the `transactionId`, also the tracing span's
//! `request_id`), with the HTTP status `ErrorCode::http_status()` gives.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wire::{Envelope, ErrorBody, ErrorCode};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `future` with `id` as the request id that envelopes carry.
pub async fn with_request_id<F: std::future::Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// The current request's id (a fresh one outside a request, which only tests see).
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

pub type ApiResult<T> = Result<ApiOk<T>, ApiError>;

/// A SUCCEEDED envelope; `None` renders `"result": null`.
#[derive(Debug)]
pub struct ApiOk<T>(pub Option<T>);

/// A SUCCEEDED envelope around `result`.
pub fn ok<T>(result: T) -> ApiResult<T> {
    Ok(ApiOk(Some(result)))
}

/// A SUCCEEDED envelope with a null result.
pub fn ok_null() -> ApiResult<()> {
    Ok(ApiOk(None))
}

impl<T: Serialize> IntoResponse for ApiOk<T> {
    fn into_response(self) -> Response {
        envelope_response(StatusCode::OK, &Envelope::succeeded(request_id(), self.0))
    }
}

fn envelope_response<T: Serialize>(status: StatusCode, envelope: &Envelope<T>) -> Response {
    match serde_json::to_vec(envelope) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "cannot serialise an envelope");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A FAILED answer: the public body, and the internal cause that is only logged.
#[derive(Debug)]
pub struct ApiError {
    pub body: ErrorBody,
    cause: Option<String>,
    /// Only for answers outside the code table (404, 405).
    status: Option<StatusCode>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            body: ErrorBody::new(code),
            cause: None,
            status: None,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }

    /// 2101 naming `parameter`.
    pub fn missing(parameter: &str) -> ApiError {
        ApiError::from(ErrorBody::for_parameter(
            ErrorCode::MissingParameter,
            parameter,
        ))
    }

    /// 2102 naming `parameter`.
    pub fn invalid(parameter: &str) -> ApiError {
        ApiError::from(ErrorBody::for_parameter(
            ErrorCode::InvalidParameter,
            parameter,
        ))
    }

    /// 2101 or 2102 for a validation problem on `parameter`.
    pub fn problem(problem: wire::validate::Problem, parameter: &str) -> ApiError {
        ApiError::from(problem.to_error(parameter))
    }

    /// 2000 with an internal cause that is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            body: ErrorBody::new(ErrorCode::Unknown),
            cause: Some(cause.to_string()),
            status: None,
        }
    }

    /// 2204 (a dependency failed: database, SMS gateway) with a logged cause.
    pub fn server(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            body: ErrorBody::new(ErrorCode::ServerError),
            cause: Some(cause.to_string()),
            status: None,
        }
    }

    pub fn wrong_pin(remaining_attempts: u32) -> ApiError {
        let mut error = ApiError::new(ErrorCode::WrongPin);
        error.body.remaining_attempts = Some(remaining_attempts);
        error
    }

    pub fn rate_limited(retry_after_seconds: u64) -> ApiError {
        let mut error = ApiError::new(ErrorCode::RateLimited);
        error.body.retry_after_seconds = Some(retry_after_seconds.max(1));
        error
    }

    /// 503 (2204) when the server sheds load (the hashing queue is full): nothing is
    /// wrong with the request, it may come back after `retry_after_seconds`.
    pub fn overloaded(retry_after_seconds: u64) -> ApiError {
        let mut error = ApiError::new(ErrorCode::ServerError);
        error.body.retry_after_seconds = Some(retry_after_seconds.max(1));
        error.status = Some(StatusCode::SERVICE_UNAVAILABLE);
        error
    }

    /// 2317 that ends by itself after `retry_after_seconds`: a pause, not a lockout.
    pub fn paused(pause: wire::Pause, retry_after_seconds: u64) -> ApiError {
        let mut error = ApiError::new(ErrorCode::AccountBlocked);
        error.body.retry_after_seconds = Some(retry_after_seconds.max(1));
        error.body.pause = Some(pause);
        error
    }

    /// 404 for an unknown route under `/api` (code 2000, label "Not found").
    pub fn not_found() -> ApiError {
        let mut error = ApiError::new(ErrorCode::Unknown);
        error.body.label = "Not found".to_string();
        error.status = Some(StatusCode::NOT_FOUND);
        error
    }

    /// 405 for a known route called with the wrong method.
    pub fn method_not_allowed() -> ApiError {
        let mut error = ApiError::new(ErrorCode::Unknown);
        error.body.label = "Method not allowed".to_string();
        error.status = Some(StatusCode::METHOD_NOT_ALLOWED);
        error
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> ApiError {
        ApiError {
            body,
            cause: None,
            status: None,
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> ApiError {
        ApiError::new(code)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        ApiError::server(format!("database: {error}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.body.code)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.body.code;
        match &self.cause {
            Some(cause) => tracing::error!(code = code.code(), %cause, "request failed"),
            None => tracing::debug!(code = code.code(), "request refused"),
        }
        let status = self.status.unwrap_or_else(|| {
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        });
        let retry_after = self.body.retry_after_seconds;
        let mut response =
            envelope_response(status, &Envelope::<()>::failed(request_id(), self.body));
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `axum::Json` whose rejections are envelopes: 2101/2102 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::invalid("Content-Type"),
        JsonRejection::JsonDataError(error) => {
            let text = error.body_text();
            match field_named(&text, "missing field `") {
                Some(field) => ApiError::missing(&field),
                None => ApiError::invalid(&field_path(&text).unwrap_or_else(|| "body".into())),
            }
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::invalid("body"),
        _ => ApiError::invalid("body"),
    }
}

/// Serde's "missing field `x`" names the field between backticks.
fn field_named(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('`')?;
    Some(text[start..start + end].to_string())
}

/// axum's data errors start with "Failed to deserialize the JSON body into the
/// target type: <path>: <reason>"; the path names the field.
fn field_path(text: &str) -> Option<String> {
    let rest = text.split_once("target type: ")?.1;
    let (path, _) = rest.split_once(": ")?;
    let path = path.trim();
    (!path.is_empty() && !path.contains(' ') && path != ".").then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_the_field() {
        assert_eq!(
            field_named(
                "missing field `email` at line 1 column 2",
                "missing field `"
            ),
            Some("email".to_string())
        );
        assert_eq!(
            field_path("Failed to deserialize the JSON body into the target type: pinCode: invalid type: integer `1`, expected a string at line 1 column 12"),
            Some("pinCode".to_string())
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let response = ApiError::rate_limited(30).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
        let response = ApiError::overloaded(2).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
