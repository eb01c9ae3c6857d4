use crate::i18n::t;
use leptos::prelude::*;

use super::{use_enroll_action, FlowStepper};
use crate::components::{
    focus_first_invalid, use_step_guard, ErrorArea, Guarded, NewPin as NewPinValues, NewPinFields,
    PageHeading, SubmitButton,
};
use crate::flow::Step;
use crate::state::use_config;

/// Step 7: the account has no PIN yet; choose one (twice) and enroll.
#[component]
pub fn NewPin() -> impl IntoView {
    let guard = use_step_guard(Step::NewPin);
    let config = use_config();
    let new_pin = NewPinValues::new();
    let form_error = RwSignal::new(None::<String>);

    let enroll = use_enroll_action(Step::NewPin, form_error);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if enroll.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        let Some(pin) = new_pin.check(config.pin_length()) else {
            focus_first_invalid();
            return;
        };
        enroll.dispatch(pin);
        new_pin.clear();
    };
    view! {
        <FlowStepper step=Step::NewPin/>
        <PageHeading title=t!("enroll.new_pin.choose_your_pin")/>
        <Guarded state=guard>
            <p>{t!("enroll.new_pin.your_pin_confirms_sensitive_operations")}</p>
            <form on:submit=on_submit novalidate>
                <NewPinFields
                    fields=new_pin
                    label=t!("enroll.new_pin.choose_a_pin")
                    confirm_label=t!("enroll.new_pin.type_the_pin_again")
                />
                <ErrorArea message=form_error/>
                <SubmitButton label=t!("account.hub.enroll_this_browser") busy=enroll.pending() busy_label=t!("enroll.new_pin.enrolling")/>
            </form>
        </Guarded>
    }
}
