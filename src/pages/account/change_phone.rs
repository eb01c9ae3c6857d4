use crate::i18n::{t, tf};
use leptos::prelude::*;
use wire::api::StepUpOperation;
use wire::validate;
use wire::ErrorCode;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, focus_later, ErrorArea, NumberVerifier, PageHeading, PhoneInput, PinInput,
    Show, SmsCodeInput, SubmitButton,
};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};
use crate::task::{Load, Task};

/// Step D: the PIN first (a step-up proof asked for `modifyPhoneNumber`: the password
/// alone never gets a code sent to a new number), then a code to the NEW number proves
/// the user holds it, and `modifyPhoneNumber` replaces the trusted number. The old number
/// gets a notice; the proof lives in memory only and serves this change once.
#[component]
pub fn ChangePhone() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let current = Load::new(api::trusted_phone);
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<String>);
    // The step-up proof; `None` until the PIN is confirmed, and again once the server
    // says it is spent or stale (2302), which asks for the PIN again.
    let proof = RwSignal::new(None::<String>);
    let number = RwSignal::new(String::new());
    let verifier = NumberVerifier::new(config.region());
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let last_error = RwSignal::new(None::<ApiError>);
    let verified_number = verifier.verified_number;
    let sender = verifier.sender;
    let done = RwSignal::new(None::<String>);

    let fail = move |error: ApiError| {
        if error.code() == Some(ErrorCode::NeedStrongAuthentication)
            && proof.get_untracked().is_some()
        {
            // The proof expired (2 minutes) or was spent: confirm the PIN again.
            proof.set(None);
            form_error.set(Some(t!("account.change_phone.confirm_again")));
            focus_later("#change-phone-pin");
            return;
        }
        form_error.set(Some(account_error(&error, auth)));
        last_error.set(Some(error));
    };
    let step_up = Task::new(move |pin: String| async move {
        match api::step_up(pin, StepUpOperation::ModifyPhoneNumber).await {
            Ok(granted) => {
                form_error.set(None);
                last_error.set(None);
                proof.set(Some(granted.otp));
            }
            Err(error) if error.code() == Some(ErrorCode::WrongPin) => {
                pin_error.set(Some(account_error(&error, auth)));
            }
            Err(error) => {
                form_error.set(Some(account_error(&error, auth)));
                last_error.set(Some(error));
            }
        }
    });
    let send_code = move || {
        form_error.set(None);
        last_error.set(None);
        verifier.send(&number.get_untracked(), proof.get_untracked(), fail);
    };
    let modify = Task::new(move |(e164, code): (String, String)| async move {
        let granted = proof.get_untracked();
        match api::submit_sms_code("modifyPhoneNumber", code, Some(e164.clone()), granted).await {
            Ok(_) => {
                super::completed("phoneChanged");
                proof.set(None);
                done.set(Some(validate::mask_phone_number(&e164)));
            }
            Err(error) => fail(error),
        }
    });
    let on_pin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if step_up.pending().get_untracked() {
            return;
        }
        match validate::pin_format(&pin.get_untracked(), config.pin_length()) {
            Ok(()) => {
                pin_error.set(None);
                step_up.dispatch(pin.get_untracked());
            }
            Err(problem) => {
                pin_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
        }
        pin.set(String::new());
    };
    let on_number = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send_code();
    };
    let on_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if modify.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        match (
            validate::sms_code(&code.get_untracked()),
            verified_number.get_untracked(),
        ) {
            (Ok(value), Some(e164)) => {
                code_error.set(None);
                modify.dispatch((e164, value));
                code.set(String::new());
            }
            (Err(problem), _) => {
                code_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
            (Ok(_), None) => sender.sent.set(None),
        }
    };
    let resend = Callback::new(move |()| send_code());
    view! {
        <PageHeading title=t!("account.change_phone.change_your_phone_number")/>
        <p>
            {t!("account.change_phone.current_trusted_phone")}
            " "
            <span data-testid="current-phone">
                {move || current.get().and_then(Result::ok).and_then(|p| p.masked_phone_number).unwrap_or_default()}
            </span>
        </p>
        <Show when=move || done.get().is_none() fallback=move || view! {
            <div class="status ok" role="status" data-testid="success">
                <p>{move || tf!("account.change_phone.now", &[("number", &done.get().unwrap_or_default())])}</p>
                <p>{t!("account.change_phone.notice_sent")}</p>
            </div>
        }>
            <Show
                when=move || proof.get().is_some()
                fallback=move || view! {
                    <form on:submit=on_pin novalidate>
                        <p>{t!("account.change_phone.pin_first")}</p>
                        <PinInput id="change-phone-pin" label=t!("stepper.pin") value=pin length=Signal::derive(move || config.pin_length()) error=pin_error autocomplete="current-password"/>
                        <ErrorArea message=form_error/>
                        <WayOut error=last_error/>
                        <SubmitButton label=t!("account.vehicles.confirm") busy=step_up.pending() busy_label=t!("account.change_phone.checking")/>
                    </form>
                }
            >
                <Show
                    when=move || sender.sent.get().is_some()
                    fallback=move || view! {
                        <form on:submit=on_number novalidate>
                            <PhoneInput value=number region=verifier.region error=verifier.phone_error/>
                            <ErrorArea message=form_error/>
                            <WayOut error=last_error/>
                            <SubmitButton label=t!("account.change_phone.send_a_code_to_this") busy=sender.busy busy_label=t!("account.change_phone.sending")/>
                        </form>
                    }
                >
                    <form on:submit=on_code novalidate>
                        <p>
                            {move || verified_number.get().map(|n| tf!("account.change_phone.new_number", &[("number", &n)]))}
                            " "
                            <button type="button" class="link-button" on:click=move |_| sender.sent.set(None)>{t!("account.change_phone.change_number")}</button>
                        </p>
                        <SmsCodeInput value=code sent=sender.sent on_resend=resend resend_busy=sender.busy error=code_error/>
                        <ErrorArea message=form_error/>
                        <WayOut error=last_error/>
                        <SubmitButton label=t!("account.change_phone.confirm_the_new_number") busy=modify.pending() busy_label=t!("account.change_phone.checking")/>
                    </form>
                </Show>
            </Show>
        </Show>
    }
}
