//! Building blocks shared by the step screens.

mod code_sender;
#[cfg(feature = "demo")]
mod demo_phone;
mod form;
mod new_pin_fields;
mod phone_input;
mod pin_input;
mod show;
mod sms_code_input;
mod step_frame;
mod stepper;
mod vin_input;

pub use code_sender::{CodeSender, NumberVerifier};
#[cfg(feature = "demo")]
pub use demo_phone::DemoPhone;
pub use form::{ErrorArea, SubmitButton};
pub use new_pin_fields::{pin_hint, NewPin, NewPinFields};
pub use phone_input::PhoneInput;
pub use pin_input::PinInput;
pub use show::Show;
pub use sms_code_input::{CodeSent, SmsCodeInput};
pub use step_frame::{probe as step_probe, use_step_guard, GuardState, Guarded, PageHeading};
pub use stepper::Stepper;
pub use vin_input::VinInput;

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Moves focus to the first invalid field of a form after a failed submit.
/// Deferred a tick, so the `aria-invalid` just set has reached the DOM.
pub fn focus_first_invalid() {
    focus_later("[aria-invalid=\"true\"]");
}

/// Focuses the first element matching `selector` once the view has updated.
pub fn focus_later(selector: &'static str) {
    use wasm_bindgen::JsCast;
    leptos::task::spawn_local(async move {
        leptos::task::tick().await;
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}
