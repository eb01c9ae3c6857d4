use crate::i18n::{t, tf};
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::api::SmsPurpose;
use wire::validate;

use super::{react, FlowStepper};
use crate::api;
use crate::components::{
    focus_first_invalid, use_step_guard, CodeSender, ErrorArea, GuardState, Guarded, PageHeading,
    Show, SmsCodeInput, SubmitButton,
};
use crate::flow::{self, Step};
use crate::messages::problem_text;
use crate::state::{use_auth, use_flow};
use crate::task::Task;

/// Steps 5-6: send the enrollment code to the trusted number, enter it. The
/// answer says whether the account already has a PIN (enter it) or not (choose one).
#[component]
pub fn EnrollmentCode() -> impl IntoView {
    let guard = use_step_guard(Step::EnrollmentCode);
    let flow = use_flow();
    let auth = use_auth();
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let sender = CodeSender::new();
    let masked = move || match guard.get() {
        GuardState::Ready { masked_phone, .. } => masked_phone,
        _ => None,
    };

    let send_code = {
        let navigate = navigate.clone();
        move || {
            form_error.set(None);
            let navigate = navigate.clone();
            sender.send(SmsPurpose::Enrollment, None, move |error| {
                form_error.set(react(Step::EnrollmentCode, &error, auth, &navigate));
            });
        }
    };
    let submit = Task::new({
        let navigate = navigate.clone();
        move |code: String| {
            let navigate = navigate.clone();
            async move {
                match api::submit_sms_code("enrollment", code, None, None).await {
                    Ok(Some(accepted)) => {
                        flow.set_enrollment_state(Some(accepted.status));
                        navigate(
                            flow::after_enrollment_code(accepted.status).path(),
                            Default::default(),
                        );
                    }
                    Ok(None) => form_error.set(Some(
                        { t!("enroll.enrollment_code.the_server_did_not_say") }.to_string(),
                    )),
                    Err(error) => {
                        form_error.set(react(Step::EnrollmentCode, &error, auth, &navigate))
                    }
                }
            }
        }
    });
    let on_send = {
        let send_code = send_code.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            send_code();
        }
    };
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submit.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        match validate::sms_code(&code.get_untracked()) {
            Ok(value) => {
                code_error.set(None);
                submit.dispatch(value);
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

    view! {
        <FlowStepper step=Step::EnrollmentCode/>
        <PageHeading title=t!("enroll.enrollment_code.confirm_it_is_you")/>
        <Guarded state=guard>
            <Show
                when=move || sender.sent.get().is_some()
                fallback={
                    let on_send = on_send.clone();
                    move || view! {
                        <form on:submit=on_send.clone()>
                            <p>
                                {move || tf!(
                                    "enroll.enrollment_code.we_will_send_a_6",
                                    &[("number", &masked().unwrap_or_default())],
                                )}
                            </p>
                            <ErrorArea message=form_error/>
                            <SubmitButton label=t!("account.pin_reset.send_the_code") busy=sender.busy busy_label=t!("account.change_phone.sending")/>
                        </form>
                    }
                }
            >
                <form on:submit=on_code novalidate>
                    <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                    <ErrorArea message=form_error/>
                    <SubmitButton label=t!("enroll.choose_method.continue") busy=submit.pending() busy_label=t!("account.change_phone.checking")/>
                </form>
            </Show>
        </Guarded>
    }
}
