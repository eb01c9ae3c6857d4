use crate::i18n::{t, tf};
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::api::{Discriminator, EnrollmentRequest};
use wire::validate;

use super::{react, FlowStepper};
use crate::api;
use crate::components::{
    focus_first_invalid, use_step_guard, ErrorArea, Guarded, NewPin, NewPinFields, NumberVerifier,
    PageHeading, PhoneInput, Show, SmsCodeInput, SubmitButton,
};
use crate::flow::{Method, Step};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config, use_flow};
use crate::task::Task;

/// Step 4.1, the shortcut: number, SMS code and a new PIN on one guided screen,
/// finished by one `enrollWithPhoneNumber`.
#[component]
pub fn Shortcut() -> impl IntoView {
    let guard = use_step_guard(Step::Shortcut);
    let flow = use_flow();
    flow.method.set(Some(Method::Shortcut));
    let auth = use_auth();
    let config = use_config();
    let navigate = use_navigate();
    let verifier = NumberVerifier::new(config.region());
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let new_pin = NewPin::new();
    let form_error = RwSignal::new(None::<String>);
    let sender = verifier.sender;
    let verified_number = verifier.verified_number;

    let send_code = {
        let navigate = navigate.clone();
        move || {
            form_error.set(None);
            let navigate = navigate.clone();
            verifier.send(&flow.phone.get_untracked(), None, move |error| {
                form_error.set(react(Step::Shortcut, &error, auth, &navigate));
            });
        }
    };

    let enroll = Task::new({
        let navigate = navigate.clone();
        move |(number, code, pin): (String, String, String)| {
            let body = EnrollmentRequest {
                discriminator: Discriminator::action("enrollWithPhoneNumber"),
                pin_code: Some(pin),
                sms_code: Some(code),
                phone_number: Some(number),
            };
            let navigate = navigate.clone();
            async move {
                match api::enrollment(body).await {
                    Ok(()) => super::to_done(flow, &navigate),
                    Err(error) => form_error.set(react(Step::Shortcut, &error, auth, &navigate)),
                }
            }
        }
    });

    let on_number = {
        let send_code = send_code.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            send_code();
        }
    };
    let on_finish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if enroll.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        let code_checked = validate::sms_code(&code.get_untracked());
        code_error.set(code_checked.as_ref().err().map(|p| problem_text(*p)));
        let (Ok(code_value), Some(pin)) = (code_checked, new_pin.check(config.pin_length())) else {
            focus_first_invalid();
            return;
        };
        let Some(number) = verified_number.get_untracked() else {
            return;
        };
        enroll.dispatch((number, code_value, pin));
        // Secrets are not kept after the submit.
        code.set(String::new());
        new_pin.clear();
    };

    let resend = {
        let send_code = send_code.clone();
        Callback::new(move |()| send_code())
    };

    view! {
        <FlowStepper step=Step::Shortcut/>
        <PageHeading title=t!("enroll.shortcut.quick_enrollment")/>
        <Guarded state=guard>
            <Show
                when=move || sender.sent.get().is_some()
                fallback={
                    let on_number = on_number.clone();
                    move || view! {
                        <form on:submit=on_number.clone() novalidate>
                            <PhoneInput value=flow.phone region=verifier.region error=verifier.phone_error/>
                            <ErrorArea message=form_error/>
                            <SubmitButton label=t!("account.pin_reset.send_the_code") busy=sender.busy busy_label=t!("account.change_phone.sending")/>
                        </form>
                    }
                }
            >
                <form on:submit=on_finish novalidate>
                    <p>
                        {move || verified_number.get().map(|n| tf!("enroll.number", &[("number", &n)]))}
                        " "
                        <button type="button" class="link-button" on:click=move |_| { sender.sent.set(None); }>
                            {t!("account.change_phone.change_number")}
                        </button>
                    </p>
                    <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                    <NewPinFields
                        fields=new_pin
                        label=t!("enroll.new_pin.choose_a_pin")
                        confirm_label=t!("enroll.new_pin.type_the_pin_again")
                    />
                    <ErrorArea message=form_error/>
                    <SubmitButton label=t!("account.hub.enroll_this_browser") busy=enroll.pending() busy_label=t!("enroll.new_pin.enrolling")/>
                </form>
            </Show>
        </Guarded>
    }
}
