//! The wire contract shared by the portal (wasm) and the reference server.
//!
//! Everything here is plain data plus pure validation, so both sides apply the
//! same rules: the portal for comfort, the server as the authority. This crate
//! depends on serde only; keep it that way (see ARCHITECTURE.md).

pub mod api;
pub mod embed;
mod envelope;
mod error;
pub mod validate;

pub use envelope::{Envelope, ErrorBody, Outcome};
pub use error::ErrorCode;

/// Header carrying the browser's device id on every call.
pub const DEVICE_ID_HEADER: &str = "X-Device-Id";
/// Header carrying a step-up proof from `otp withPIN`.
pub const STRONG_AUTH_HEADER: &str = "X-Strong-Auth";
