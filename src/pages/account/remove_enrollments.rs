use crate::i18n::{t, tf};
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::api::{Discriminator, EnrollmentRequest, SmsPurpose};
use wire::validate;
use wire::ErrorCode;

use super::account_error;
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, CodeSender, ErrorArea, PageHeading, Show, SmsCodeInput, SubmitButton,
};
use crate::messages::problem_text;
use crate::routes;
use crate::state::{use_auth, use_flow};
use crate::task::{Load, Task};

/// Step A: remove every enrollment, the PIN and the block; the phone stays. Then
/// enrollment starts again. The password is not enough: a `removeEnrollments` code goes
/// to the trusted phone (the one way out of a PIN lockout), and comes back with the
/// removal.
#[component]
pub fn RemoveEnrollments() -> impl IntoView {
    let auth = use_auth();
    let flow = use_flow();
    let navigate = use_navigate();
    let confirmed = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let sender = CodeSender::new();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let devices = Load::new(api::devices);
    let remove = Task::new(move |sms_code: Option<String>| {
        let navigate = navigate.clone();
        async move {
            let body = EnrollmentRequest {
                discriminator: Discriminator::action("remove"),
                sms_code,
                ..Default::default()
            };
            match api::enrollment(body).await {
                Ok(()) => {
                    super::completed("enrollmentsRemoved");
                    flow.set_enrollment_state(None);
                    navigate(routes::ENROLL, Default::default());
                }
                Err(error) => form_error.set(Some(account_error(&error, auth))),
            }
        }
    });
    let send_code = move || {
        form_error.set(None);
        sender.send(
            SmsPurpose::RemoveEnrollments,
            None,
            move |error: ApiError| {
                if error.code() == Some(ErrorCode::NoPhoneNumber) {
                    // No trusted number: no PIN or device to lose, nothing to prove.
                    remove.dispatch(None);
                } else {
                    form_error.set(Some(account_error(&error, auth)));
                }
            },
        );
    };
    let on_confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirmed.get_untracked() {
            form_error.set(Some(t!(
                "account.remove_enrollments.tick_the_box_to_confirm",
            )));
            return;
        }
        send_code();
    };
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if remove.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        match validate::sms_code(&code.get_untracked()) {
            Ok(value) => {
                code_error.set(None);
                remove.dispatch(Some(value));
                code.set(String::new());
            }
            Err(problem) => {
                code_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
        }
    };
    let resend = Callback::new(move |()| send_code());
    let count = move || devices.get().and_then(Result::ok).map(|d| d.len());
    view! {
        <PageHeading title=t!("account.hub.remove_all_enrollments")/>
        <p>{t!("account.remove_enrollments.this_will")}</p>
        <ul>
            <li>{move || match count() {
                Some(0) => t!("account.remove_enrollments.no_device_left"),
                Some(1) => t!("account.remove_enrollments.remove_the_1_enrolled_device"),
                Some(n) => tf!("account.remove_enrollments.remove_all_n", &[("n", &n.to_string())]),
                None => t!("account.remove_enrollments.remove_every_enrolled_device_of"),
            }}</li>
            <li>{t!("account.remove_enrollments.delete_your_pin_and_unblock")}</li>
        </ul>
        <p>{t!("account.remove_enrollments.your_trusted_phone_number_stays")}</p>
        <Show
            when=move || sender.sent.get().is_some()
            fallback=move || view! {
                <form on:submit=on_confirm>
                    <label class="choice">
                        <input type="checkbox" prop:checked=move || confirmed.get() on:change=move |ev| confirmed.set(event_target_checked(&ev))/>
                        <span>{t!("account.remove_enrollments.i_understand_remove_all_enrollments")}</span>
                    </label>
                    <p>{t!("account.remove_enrollments.code_first")}</p>
                    <ErrorArea message=form_error/>
                    <div class="actions">
                        <SubmitButton label=t!("account.pin_reset.send_the_code") busy=Signal::derive(move || sender.busy.get() || remove.pending().get()) busy_label=t!("account.change_phone.sending")/>
                        <a href=routes::ACCOUNT class="button secondary">{t!("account.remove_enrollments.cancel")}</a>
                    </div>
                </form>
            }
        >
            <form on:submit=on_code novalidate>
                <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                <ErrorArea message=form_error/>
                <div class="actions">
                    <SubmitButton label=t!("account.hub.remove_all_enrollments") busy=remove.pending() busy_label=t!("account.remove_enrollments.removing")/>
                    <a href=routes::ACCOUNT class="button secondary">{t!("account.remove_enrollments.cancel")}</a>
                </div>
            </form>
        </Show>
    }
}
