use crate::i18n::t;
use leptos::prelude::*;

/// The error area of a form: always in the DOM, so screen readers hear what is
/// written into it (`aria-live`), and sized so that a message does not move
/// the layout under the user's finger.
#[component]
pub fn ErrorArea(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-error" role="alert" aria-live="assertive" data-testid="form-error">
            {move || message.get()}
        </div>
    }
}

/// A field's own message, linked from the input by `aria-describedby`.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! { <p class="field-error" id=id>{move || message.get()}</p> }
}

/// The primary button: shows progress and cannot submit twice.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] busy: Signal<bool>,
    #[prop(into, optional)] busy_label: Option<String>,
) -> impl IntoView {
    let busy_label = busy_label.unwrap_or_else(|| t("form.please_wait"));
    view! {
        <button type="submit" class="primary" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
            {move || if busy.get() { busy_label.clone() } else { label.clone() }}
        </button>
    }
}

/// Offered after a network failure: repeats the last request with what the
/// user typed still in place.
#[component]
pub fn RetryButton(#[prop(into)] visible: Signal<bool>, on_retry: Callback<()>) -> impl IntoView {
    view! {
        <Show when=move || visible.get()>
            <button type="button" class="secondary" on:click=move |_| on_retry.run(())>{t("form.try_again")}</button>
        </Show>
    }
}
