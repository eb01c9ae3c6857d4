//! Integration tests over HTTP (`tower::ServiceExt::oneshot` on `app(state)`),
//! each on its own SQLite file.

mod common;
mod session;
mod sms;
