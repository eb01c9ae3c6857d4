use crate::i18n::t;
use leptos::prelude::*;
use wire::validate;

use super::{use_enroll_action, FlowStepper};
use crate::components::{
    focus_first_invalid, use_step_guard, ErrorArea, Guarded, PageHeading, PinInput, SubmitButton,
};
use crate::flow::Step;
use crate::messages::problem_text;
use crate::routes;
use crate::state::use_config;

/// Step 8: the account has a PIN; enter it to enroll this browser. Wrong PINs
/// say how many tries are left; forgot-PIN leads to B.
#[component]
pub fn EnterPin() -> impl IntoView {
    let guard = use_step_guard(Step::EnterPin);
    let config = use_config();
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);

    let enroll = use_enroll_action(Step::EnterPin, form_error);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if enroll.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        match validate::pin_format(&pin.get_untracked(), config.pin_length()) {
            Ok(()) => {
                pin_error.set(None);
                enroll.dispatch(pin.get_untracked());
            }
            Err(problem) => {
                pin_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
        }
        pin.set(String::new());
    };
    view! {
        <FlowStepper step=Step::EnterPin/>
        <PageHeading title=t!("enroll.enter_pin.enter_your_pin")/>
        <Guarded state=guard>
            <p>{t!("enroll.enter_pin.your_account_already_has_a")}</p>
            <form on:submit=on_submit novalidate>
                <PinInput
                    id="pin"
                    label=t!("stepper.pin")
                    value=pin
                    length=Signal::derive(move || config.pin_length())
                    error=pin_error
                    autocomplete="current-password"
                />
                <ErrorArea message=form_error/>
                <SubmitButton label=t!("account.hub.enroll_this_browser") busy=enroll.pending() busy_label=t!("account.change_phone.checking")/>
            </form>
            <p><a href=routes::ACCOUNT_PIN_RESET>{t!("enroll.enter_pin.forgot_your_pin")}</a></p>
        </Guarded>
    }
}
