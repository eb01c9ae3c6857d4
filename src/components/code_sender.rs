use leptos::prelude::*;
use wire::api::SmsPurpose;

use super::{focus_first_invalid, now_ms, CodeSent};
use crate::api::{self, ApiError};
use crate::i18n::t;
use crate::messages::problem_text;

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
        self.send_with_proof(purpose, phone_number, None, on_error);
    }

    /// [`send`](Self::send) with a step-up proof (D sends a code to a new number only
    /// after the PIN).
    pub fn send_with_proof(
        self,
        purpose: SmsPurpose,
        phone_number: Option<String>,
        proof: Option<String>,
        on_error: impl FnOnce(ApiError) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::request_sms_code(purpose, phone_number, proof).await;
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

/// A code to a number being registered (steps 4.1 and 4.2, and D): checks the
/// number with the shared rule, sends it a `phoneNumberCertification` code,
/// and remembers which number that was, whatever is typed afterwards.
#[derive(Clone, Copy)]
pub struct NumberVerifier {
    pub sender: CodeSender,
    pub region: RwSignal<String>,
    pub phone_error: RwSignal<Option<String>>,
    pub verified_number: RwSignal<Option<String>>,
}

impl NumberVerifier {
    pub fn new(region: String) -> NumberVerifier {
        NumberVerifier {
            sender: CodeSender::new(),
            region: RwSignal::new(region),
            phone_error: RwSignal::new(None),
            verified_number: RwSignal::new(None),
        }
    }

    /// Sends the code to `typed` (with D's step-up `proof`). A number the portal's check
    /// or the server's numbering plan refuses is explained next to the field; any other
    /// failure goes to `on_error`.
    pub fn send(
        self,
        typed: &str,
        proof: Option<String>,
        on_error: impl FnOnce(ApiError) + 'static,
    ) {
        let number = match wire::validate::phone_number(typed, &self.region.get_untracked()) {
            Ok(number) => number,
            Err(problem) => {
                self.phone_error.set(Some(problem_text(problem)));
                focus_first_invalid();
                return;
            }
        };
        self.phone_error.set(None);
        self.verified_number.set(Some(number.clone()));
        self.sender.send_with_proof(
            SmsPurpose::PhoneNumberCertification,
            Some(number),
            proof,
            move |error| {
                // The number passed the local check, so what the server refuses is its
                // kind or country: say that, not "enter a valid number" again.
                if error.parameter() == Some("phoneNumber") {
                    self.phone_error
                        .set(Some(t!("messages.not_a_mobile_number")));
                    focus_first_invalid();
                } else {
                    on_error(error);
                }
            },
        );
    }
}
