use std::time::Duration;

use crate::i18n::{t, tf};
use leptos::prelude::*;

use super::now_ms;

/// What the server said when it sent a code.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeSent {
    pub masked_number: String,
    pub expires_at_ms: f64,
    pub resend_at_ms: f64,
}

impl CodeSent {
    pub fn from_wire(sent: &wire::api::SmsCodeSent, now_ms: f64) -> CodeSent {
        CodeSent {
            masked_number: sent.masked_phone_number.clone(),
            expires_at_ms: now_ms + sent.expires_in_seconds as f64 * 1000.0,
            resend_at_ms: now_ms + sent.resend_after_seconds as f64 * 1000.0,
        }
    }
}

fn seconds_left(until_ms: f64, now_ms: f64) -> u64 {
    ((until_ms - now_ms) / 1000.0).ceil().max(0.0) as u64
}

fn minutes_seconds(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// The SMS code field: one real input (so OS autofill and pasting a whole code
/// work), the masked destination, the expiry and a resend button with a
/// countdown from the server's `resendAfterSeconds`.
#[component]
pub fn SmsCodeInput(
    value: RwSignal<String>,
    #[prop(into)] sent: Signal<Option<CodeSent>>,
    on_resend: Callback<()>,
    #[prop(into)] resend_busy: Signal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let now = RwSignal::new(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(now_ms()), Duration::from_millis(1000))
    {
        on_cleanup(move || handle.clear());
    }
    let resend_in = move || {
        sent.with(|s| {
            s.as_ref()
                .map_or(0, |s| seconds_left(s.resend_at_ms, now.get()))
        })
    };
    let expires_in = move || {
        sent.with(|s| {
            s.as_ref()
                .map_or(0, |s| seconds_left(s.expires_at_ms, now.get()))
        })
    };
    // Announced once when it changes, not every second.
    let can_resend = Memo::new(move |_| resend_in() == 0);
    view! {
        <div class="field">
            <label for="sms-code">{t!("sms_code_input.code_received_by_sms")}</label>
            <p class="hint" id="sms-code-hint">
                {move || {
                    sent.with(|s| match s {
                        Some(s) => tf!("sms_code_input.we_sent_a_code_to", &[("number", &s.masked_number)]),
                        None => t!("sms_code_input.enter_the_6_digit_code"),
                    })
                }}
                " "
                <span class="expiry" data-testid="code-expiry">
                    {move || {
                        let left = expires_in();
                        if sent.with(Option::is_none) {
                            String::new()
                        } else if left == 0 {
                            t!("sms_code_input.this_code_has_expired_send")
                        } else {
                            tf!("sms_code_input.it_expires_in", &[("time", &minutes_seconds(left))])
                        }
                    }}
                </span>
            </p>
            <input
                id="sms-code"
                name="sms-code"
                class="sms-code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]*"
                maxlength="12"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="sms-code-hint sms-code-error"
                prop:value=move || value.get()
                on:input=move |ev| {
                    // Keep digits only, so "123 456" or "Code: 123456" pasted whole works.
                    let digits: String = event_target_value(&ev)
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(wire::validate::SMS_CODE_LENGTH)
                        .collect();
                    value.set(digits);
                }
            />
            <p class="field-error" id="sms-code-error">{move || error.get()}</p>
            <div class="resend">
                <button
                    type="button"
                    class="link-button"
                    disabled=move || !can_resend.get() || resend_busy.get()
                    on:click=move |_| on_resend.run(())
                >
                    {move || {
                        let left = resend_in();
                        if left == 0 {
                            t!("sms_code_input.send_a_new_code")
                        } else {
                            tf!("sms_code_input.send_a_new_code_in", &[("time", &minutes_seconds(left))])
                        }
                    }}
                </button>
                <span class="visually-hidden" aria-live="polite">
                    {move || can_resend.get().then(|| t!("sms_code_input.you_can_now_ask"))}
                </span>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_round_up_and_stop_at_zero() {
        assert_eq!(seconds_left(30_000.0, 0.0), 30);
        assert_eq!(seconds_left(30_000.0, 29_001.0), 1);
        assert_eq!(seconds_left(30_000.0, 31_000.0), 0);
        assert_eq!(minutes_seconds(600), "10:00");
        assert_eq!(minutes_seconds(59), "0:59");
    }
}
