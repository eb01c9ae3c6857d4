//! Integration tests over HTTP (`tower::ServiceExt::oneshot` on `app(state)`),
//! each on its own SQLite file.

mod common;
mod concurrency;
mod devices;
mod dpop;
mod enrollment;
mod factor_changes;
mod floods;
mod openapi;
mod pin_and_step_up;
mod restart;
mod secrets;
mod session;
mod sessions;
mod sign_in_limit;
mod sms;
mod webhook;
