//! Building blocks shared by the step screens.

mod code_sender;
mod demo_phone;
mod form;
mod phone_input;
mod pin_input;
mod sms_code_input;
mod step_frame;
mod stepper;
mod vin_input;

pub use code_sender::CodeSender;
pub use demo_phone::DemoPhone;
pub use form::{ErrorArea, FieldError, RetryButton, SubmitButton};
pub use phone_input::PhoneInput;
pub use pin_input::PinInput;
pub use sms_code_input::{CodeSent, SmsCodeInput};
pub use step_frame::{probe as step_probe, use_step_guard, GuardState, Guarded, PageHeading};
pub use stepper::Stepper;
pub use vin_input::VinInput;

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Moves focus to the first invalid field of a form after a failed submit.
pub fn focus_first_invalid() {
    use wasm_bindgen::JsCast;
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[aria-invalid=\"true\"]").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}
