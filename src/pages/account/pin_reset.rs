use crate::i18n::t;
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::api::{Discriminator, PinRequest, SmsPurpose};
use wire::validate;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, CodeSender, ErrorArea, NewPin, NewPinFields, PageHeading, Show,
    SmsCodeInput, SubmitButton,
};
use crate::flow::Step;
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};
use crate::task::Task;

/// Step B, forgot PIN: a `resetPIN` code to the trusted phone, then a new PIN.
/// A browser that is not enrolled yet continues at step 8 with the new PIN.
#[component]
pub fn PinReset() -> impl IntoView {
    let auth = use_auth();
    let flow = crate::state::use_flow();
    let config = use_config();
    let navigate = use_navigate();
    let sender = CodeSender::new();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let new_pin = NewPin::new();
    let form_error = RwSignal::new(None::<String>);
    let last_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);

    let fail = move |error: ApiError| {
        form_error.set(Some(account_error(&error, auth)));
        last_error.set(Some(error));
    };
    let send_code = move || {
        form_error.set(None);
        last_error.set(None);
        sender.send(SmsPurpose::ResetPin, None, fail);
    };
    let reset = Task::new(move |(code, pin): (String, String)| {
        let body = PinRequest {
            discriminator: Discriminator::action("reset"),
            pin_code: Some(pin),
            sms_code: Some(code),
            ..Default::default()
        };
        let navigate = navigate.clone();
        async move {
            match api::pin_code(body).await {
                Ok(()) => {
                    super::completed("pinReset");
                    match api::is_device_activated().await {
                        Ok(true) => done.set(true),
                        // Forgot-PIN from step 8: go on enrolling with the new PIN.
                        _ => {
                            flow.set_enrollment_state(Some(
                                wire::api::EnrollmentState::AlreadyEnrolled,
                            ));
                            navigate(Step::EnterPin.path(), Default::default())
                        }
                    }
                }
                Err(error) => fail(error),
            }
        }
    });
    let on_send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send_code();
    };
    let on_reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if reset.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        let code_checked = validate::sms_code(&code.get_untracked());
        code_error.set(code_checked.as_ref().err().map(|p| problem_text(*p)));
        let (Ok(code_value), Some(pin)) = (code_checked, new_pin.check(config.pin_length())) else {
            focus_first_invalid();
            return;
        };
        reset.dispatch((code_value, pin));
        code.set(String::new());
        new_pin.clear();
    };
    let resend = Callback::new(move |()| send_code());

    view! {
        <PageHeading title=t!("account.pin_reset.reset_your_pin")/>
        <Show when=move || !done.get() fallback=|| view! {
            <div class="status ok" role="status" data-testid="success">{t!("account.pin_reset.your_pin_has_been_reset")}</div>
        }>
            <Show
                when=move || sender.sent.get().is_some()
                fallback=move || view! {
                    <form on:submit=on_send>
                        <p>{t!("account.pin_reset.we_will_send_a_code")}</p>
                        <ErrorArea message=form_error/>
                        <WayOut error=last_error/>
                        <SubmitButton label=t!("account.pin_reset.send_the_code") busy=sender.busy busy_label=t!("account.change_phone.sending")/>
                    </form>
                }
            >
                <form on:submit=on_reset novalidate>
                    <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                    <NewPinFields
                        fields=new_pin
                        label=t!("account.pin_reset.new_pin")
                        confirm_label=t!("account.pin_reset.type_the_new_pin_again")
                    />
                    <ErrorArea message=form_error/>
                    <WayOut error=last_error/>
                    <SubmitButton label=t!("account.pin_reset.reset_my_pin") busy=reset.pending() busy_label=t!("account.pin_reset.saving")/>
                </form>
            </Show>
        </Show>
    }
}
