use leptos::prelude::*;
use wire::api::SmsPurpose;

use super::{now_ms, CodeSent};
use crate::api::{self, ApiError};

/// Asks the server to send an SMS code and remembers what it answered (the
/// masked number, expiry and resend countdown). Shared by every screen that
/// sends a code.
#[derive(Clone, Copy)]
pub struct CodeSender {
    pub sent: RwSignal<Option<CodeSent>>,
    pub busy: RwSignal<bool>,
}

impl CodeSender {
    pub fn new() -> CodeSender {
        CodeSender {
            sent: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    pub fn send(
        self,
        purpose: SmsPurpose,
        phone_number: Option<String>,
        on_error: impl FnOnce(ApiError) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::request_sms_code(purpose, phone_number).await;
            self.busy.set(false);
            match result {
                Ok(sent) => self.sent.set(Some(CodeSent::from_wire(&sent, now_ms()))),
                Err(error) => on_error(error),
            }
        });
    }
}

impl Default for CodeSender {
    fn default() -> Self {
        CodeSender::new()
    }
}
