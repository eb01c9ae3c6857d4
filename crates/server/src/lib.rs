//! `portal-server`: the reference backend of the Enrollment Portal.
//!
//! Codemap: [`config`] (flags, TOML policy), [`db`] (SQLite or PostgreSQL,
//! migrations, write transactions), [`secrets`] (the HMAC key
//! and the PIN pepper, from a key file or the environment), [`error`] (the envelope
//! and `ApiError`), [`auth`] (the DPoP proof check, session and device extractors), [`dpop`]
//! (proof verification), [`routes`] (one
//! module per resource), [`sms`] (delivery), [`crypto`] (tokens, MACs,
//! argon2id), [`middleware`] (request id, security headers, static files),
//! [`seed`] (demo accounts), [`client_ip`] (who is asking), [`rate`] (shared token
//! buckets: sign-ins per address, SMS per number and in all).
//!
//! Invariants: the server is the authority (every rule is checked here, whatever
//! the portal did); counters and single-use flags change in one SQL statement
//! or a write transaction; no secret (password, PIN, SMS code, token, proof)
//! is ever logged.

pub mod auth;
pub mod client_ip;
pub mod clock;
pub mod codes;
pub mod config;
pub mod crypto;
pub mod csp;
pub mod db;
pub mod device_label;
pub mod dpop;
pub mod error;
pub mod guesses;
pub mod middleware;
pub mod openapi;
pub mod phone;
pub mod pin;
pub mod rate;
pub mod routes;
pub mod secrets;
pub mod seed;
pub mod shell;
pub mod sign_in_limit;
pub mod sms;
pub mod store;

use std::ops::Deref;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::Router;

use crate::clock::Clock;
use crate::config::{Policy, Settings, SmsSettings};
use crate::crypto::{Hasher, ServerKey};
use crate::db::Pool;
use crate::sms::SmsSender;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    /// The HMAC key, from the key file or the environment (see `secrets`).
    pub key: ServerKey,
    /// Applied to every PIN before argon2 (see `pin::hash`).
    pub pin_pepper: secrets::PinPepper,
    pub hasher: Hasher,
    pub sms: Arc<dyn SmsSender>,
    /// Checked against when the email is unknown, so both answers take as long: made at
    /// the policy's cost, as every password hash is after its owner's next sign-in.
    pub dummy_password_hash: String,
    /// The Content-Security-Policy header (see `csp`).
    pub csp: csp::Csp,
    /// The OpenAPI document for this policy, computed once (see `openapi`).
    pub openapi: String,
    /// DPoP `jti`s recorded by this process: expired ones are pruned every so often.
    pub jti_inserts: AtomicU64,
    /// The `jti`s of reads (GET, HEAD), remembered in this process only (see `auth`).
    pub read_jtis: auth::ReadJtis,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the SMS sender the settings name.
    pub async fn new(
        pool: Pool,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<AppState, String> {
        // The argon2 floor is `Settings::from_cli`'s: tests build cheap policies in code.
        settings.policy.check_limits()?;
        let sms: Arc<dyn SmsSender> = match &settings.sms {
            SmsSettings::Outbox => Arc::new(sms::OutboxSender::new(pool.clone())),
            SmsSettings::Webhook { url, secret } => Arc::new(sms::WebhookSender::new(
                url,
                secret,
                std::time::Duration::from_secs(settings.policy.sms_webhook_timeout_seconds),
            )?),
            SmsSettings::None => Arc::new(sms::NoSender),
        };
        AppState::with_sender(pool, settings, clock, sms).await
    }

    /// Like [`AppState::new`] with a given SMS sender.
    pub async fn with_sender(
        pool: Pool,
        settings: Settings,
        clock: Arc<dyn Clock>,
        sms: Arc<dyn SmsSender>,
    ) -> Result<AppState, String> {
        let csp = csp::Csp::new(&settings.frame_ancestors, settings.static_dir.as_deref())?;
        let secrets::Secrets {
            server_key: key,
            pin_pepper,
        } = settings
            .secrets
            .clone()
            .ok_or("no server key: load the secrets (secrets::load) before the state")?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hasher = Hasher::with_limits(
            settings.policy.argon2,
            cores.max(2),
            settings.policy.hash_queue as usize,
        );
        let dummy_password_hash = hasher
            .hash(crypto::random_token())
            .await
            .map_err(|e| format!("argon2: {e}"))?;
        // Load the numbering plan now rather than on the first request.
        let _ = phone::normalise("0612345678", &settings.policy.default_region);
        let openapi = openapi::document_json(&settings.policy);
        Ok(AppState(Arc::new(Inner {
            openapi,
            csp,
            pool,
            clock,
            settings,
            key,
            pin_pepper,
            hasher,
            sms,
            dummy_password_hash,
            jti_inserts: AtomicU64::new(0),
            read_jtis: auth::ReadJtis::default(),
        })))
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn policy(&self) -> &Policy {
        &self.settings.policy
    }
}

/// The whole HTTP application: the API under `/api`, the portal at `/`.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}
