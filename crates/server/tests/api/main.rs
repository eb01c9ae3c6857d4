//! Integration tests over HTTP (`tower::ServiceExt::oneshot` on `app(state)`),
//! each on its own SQLite file.

mod common;
mod concurrency;
mod enrollment;
mod openapi;
mod pin_and_step_up;
mod restart;
mod session;
mod sms;
mod webhook;
