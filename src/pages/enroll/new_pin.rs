use crate::i18n::t;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wire::api::{Discriminator, EnrollmentRequest};
use wire::validate;

use super::shortcut::pin_hint;
use super::{react, FlowStepper};
use crate::api;
use crate::components::{
    focus_first_invalid, use_step_guard, ErrorArea, Guarded, PageHeading, PinInput, SubmitButton,
};
use crate::flow::Step;
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};

/// Step 7: the account has no PIN yet; choose one (twice) and enroll.
#[component]
pub fn NewPin() -> impl IntoView {
    let guard = use_step_guard(Step::NewPin);
    let auth = use_auth();
    let config = use_config();
    let navigate = use_navigate();
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<String>);
    let confirmation = RwSignal::new(String::new());
    let confirmation_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);

    let enroll = Action::new_local({
        let navigate = navigate.clone();
        move |pin: &String| {
            let body = EnrollmentRequest {
                discriminator: Discriminator::action("enroll"),
                pin_code: Some(pin.clone()),
                ..Default::default()
            };
            let navigate = navigate.clone();
            async move {
                match api::enrollment(body).await {
                    Ok(()) => navigate(Step::Done.path(), Default::default()),
                    Err(error) => form_error.set(react(Step::NewPin, &error, auth, &navigate)),
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if enroll.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        let pin_problem = validate::pin(&pin.get_untracked(), config.pin_length()).err();
        let confirmation_problem = (pin_problem.is_none()
            && confirmation.get_untracked() != pin.get_untracked())
        .then_some(validate::Problem::PinMismatch);
        pin_error.set(pin_problem.map(problem_text));
        confirmation_error.set(confirmation_problem.map(problem_text));
        if pin_problem.is_some() || confirmation_problem.is_some() {
            focus_first_invalid();
            return;
        }
        enroll.dispatch(pin.get_untracked());
        pin.set(String::new());
        confirmation.set(String::new());
    };
    view! {
        <FlowStepper step=Step::NewPin/>
        <PageHeading title=t("enroll.new_pin.choose_your_pin")/>
        <Guarded state=guard>
            <p>{t("enroll.new_pin.your_pin_confirms_sensitive_operations")}</p>
            <form on:submit=on_submit novalidate>
                <PinInput
                    id="new-pin"
                    label=t("enroll.new_pin.choose_a_pin")
                    value=pin
                    length=Signal::derive(move || config.pin_length())
                    error=pin_error
                    autocomplete="new-password"
                    hint=pin_hint(config.pin_length())
                />
                <PinInput
                    id="confirm-pin"
                    label=t("enroll.new_pin.type_the_pin_again")
                    value=confirmation
                    length=Signal::derive(move || config.pin_length())
                    error=confirmation_error
                    autocomplete="new-password"
                />
                <ErrorArea message=form_error/>
                <SubmitButton label=t("account.hub.enroll_this_browser") busy=enroll.pending() busy_label=t("enroll.new_pin.enrolling")/>
            </form>
        </Guarded>
    }
}
