use crate::i18n::{t, tf};
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::validate;

use super::{react, FlowStepper};
use crate::api;
use crate::components::{
    focus_first_invalid, use_step_guard, ErrorArea, Guarded, NumberVerifier, PageHeading,
    PhoneInput, Show, SmsCodeInput, SubmitButton,
};
use crate::flow::{Method, Step};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config, use_flow};
use crate::task::Task;

/// Step 4.2, the full method: register the number (its own SMS code), then
/// continue with the enrollment code of step 5.
#[component]
pub fn RegisterPhone() -> impl IntoView {
    let guard = use_step_guard(Step::RegisterPhone);
    let flow = use_flow();
    flow.method.set(Some(Method::Full));
    let auth = use_auth();
    let config = use_config();
    let navigate = use_navigate();
    let verifier = NumberVerifier::new(config.region());
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let sender = verifier.sender;
    let verified_number = verifier.verified_number;

    let send_code = {
        let navigate = navigate.clone();
        move || {
            form_error.set(None);
            let navigate = navigate.clone();
            verifier.send(&flow.phone.get_untracked(), None, move |error| {
                form_error.set(react(Step::RegisterPhone, &error, auth, &navigate));
            });
        }
    };

    let confirm = Task::new({
        let navigate = navigate.clone();
        move |(number, code): (String, String)| {
            let navigate = navigate.clone();
            async move {
                match api::submit_sms_code("addPhoneNumber", code, Some(number), None).await {
                    Ok(_) => navigate(Step::EnrollmentCode.path(), Default::default()),
                    Err(error) => {
                        form_error.set(react(Step::RegisterPhone, &error, auth, &navigate))
                    }
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
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if confirm.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        match validate::sms_code(&code.get_untracked()) {
            Ok(value) => {
                code_error.set(None);
                if let Some(number) = verified_number.get_untracked() {
                    confirm.dispatch((number, value));
                }
                code.set(String::new());
            }
            Err(problem) => {
                code_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
        }
    };
    let resend = {
        let send_code = send_code.clone();
        Callback::new(move |()| send_code())
    };
    let code_stage = Signal::derive(move || sender.sent.get().is_some());

    view! {
        <FlowStepper step=Step::RegisterPhone sub_step=code_stage/>
        <PageHeading title=t!("enroll.register_phone.register_your_phone_number")/>
        <Guarded state=guard>
            <Show
                when=move || code_stage.get()
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
                <form on:submit=on_code novalidate>
                    <p>
                        {move || verified_number.get().map(|n| tf!("enroll.number", &[("number", &n)]))}
                        " "
                        <button type="button" class="link-button" on:click=move |_| { sender.sent.set(None); }>
                            {t!("account.change_phone.change_number")}
                        </button>
                    </p>
                    <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                    <ErrorArea message=form_error/>
                    <SubmitButton label=t!("enroll.register_phone.confirm_the_number") busy=confirm.pending() busy_label=t!("account.change_phone.checking")/>
                </form>
            </Show>
        </Guarded>
    }
}
