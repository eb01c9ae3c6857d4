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

/// The primary button: shows progress and cannot submit twice.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] busy: Signal<bool>,
    #[prop(into, optional)] busy_label: Option<String>,
) -> impl IntoView {
    let busy_label = busy_label.unwrap_or_else(|| t!("form.please_wait"));
    view! {
        <button type="submit" class="primary" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
            {move || if busy.get() { busy_label.clone() } else { label.clone() }}
        </button>
    }
}
