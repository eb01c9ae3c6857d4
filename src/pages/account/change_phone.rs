use crate::i18n::{t, tf};
use leptos::prelude::*;
use wire::validate;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, ErrorArea, NumberVerifier, PageHeading, PhoneInput, Show, SmsCodeInput,
    SubmitButton,
};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};
use crate::task::{Load, Task};

/// Step D: a code to the NEW number proves the user holds it, then
/// `modifyPhoneNumber` replaces the trusted number.
#[component]
pub fn ChangePhone() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let current = Load::new(api::trusted_phone);
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
        form_error.set(Some(account_error(&error, auth)));
        last_error.set(Some(error));
    };
    let send_code = move || {
        form_error.set(None);
        last_error.set(None);
        verifier.send(&number.get_untracked(), fail);
    };
    let modify = Task::new(move |(e164, code): (String, String)| async move {
        match api::submit_sms_code("modifyPhoneNumber", code, Some(e164.clone())).await {
            Ok(_) => {
                super::completed("phoneChanged");
                done.set(Some(validate::mask_phone_number(&e164)));
            }
            Err(error) => fail(error),
        }
    });
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
                {move || tf!("account.change_phone.now", &[("number", &done.get().unwrap_or_default())])}
            </div>
        }>
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
    }
}
