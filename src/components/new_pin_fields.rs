use leptos::prelude::*;
use wire::validate::{self, Problem};

use super::PinInput;
use crate::i18n::tf;
use crate::messages::problem_text;
use crate::state::use_config;

/// A PIN being chosen and its confirmation, with their messages. The values
/// live only here while typed; `clear` after each submit.
#[derive(Clone, Copy)]
pub struct NewPin {
    pub pin: RwSignal<String>,
    pub confirmation: RwSignal<String>,
    pub pin_error: RwSignal<Option<String>>,
    pub confirmation_error: RwSignal<Option<String>>,
}

impl NewPin {
    pub fn new() -> NewPin {
        NewPin {
            pin: RwSignal::new(String::new()),
            confirmation: RwSignal::new(String::new()),
            pin_error: RwSignal::new(None),
            confirmation_error: RwSignal::new(None),
        }
    }

    /// The shared rules (length, digits, weak PINs), then the confirmation;
    /// shows what is wrong next to each field and returns the PIN when valid.
    pub fn check(&self, length: u8) -> Option<String> {
        let pin = self.pin.get_untracked();
        let pin_problem = validate::pin(&pin, length).err();
        let mismatch = pin_problem.is_none() && self.confirmation.get_untracked() != pin;
        self.pin_error.set(pin_problem.map(problem_text));
        self.confirmation_error
            .set(mismatch.then(|| problem_text(Problem::PinMismatch)));
        (pin_problem.is_none() && !mismatch).then_some(pin)
    }

    pub fn clear(&self) {
        self.pin.set(String::new());
        self.confirmation.set(String::new());
    }
}

impl Default for NewPin {
    fn default() -> Self {
        NewPin::new()
    }
}

/// The two fields of a new PIN, with the weak-PIN rule explained up front.
#[component]
pub fn NewPinFields(
    fields: NewPin,
    #[prop(into)] label: String,
    #[prop(into)] confirm_label: String,
) -> impl IntoView {
    let config = use_config();
    let length = Signal::derive(move || config.pin_length());
    view! {
        <PinInput
            id="new-pin"
            label=label
            value=fields.pin
            length=length
            error=fields.pin_error
            autocomplete="new-password"
            hint=pin_hint(config.pin_length())
        />
        <PinInput
            id="confirm-pin"
            label=confirm_label
            value=fields.confirmation
            length=length
            error=fields.confirmation_error
            autocomplete="new-password"
        />
    }
}

/// The weak-PIN rule, explained before the user submits.
pub fn pin_hint(length: u8) -> String {
    tf!("enroll.pin_hint", &[("length", &length.to_string())])
}
