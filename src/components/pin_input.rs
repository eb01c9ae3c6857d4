use crate::i18n::t;
use leptos::prelude::*;

/// A PIN field: numeric keyboard, masked with a show toggle, length from the
/// server's policy. The value lives only in the signal the screen owns and is
/// cleared by the screen after each submit.
#[component]
pub fn PinInput(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] length: Signal<u8>,
    #[prop(into)] error: Signal<Option<String>>,
    /// `new-password` for a PIN being chosen, `current-password` otherwise.
    #[prop(into)]
    autocomplete: String,
    #[prop(into, optional)] hint: Option<String>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <div class="pin-row">
                <input
                    id=id.clone()
                    name=id.clone()
                    class="pin"
                    type=move || if shown.get() { "text" } else { "password" }
                    inputmode="numeric"
                    pattern="[0-9]*"
                    autocomplete=autocomplete
                    maxlength=move || length.get().to_string()
                    size=move || length.get().to_string()
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=described_by
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        let digits: String = event_target_value(&ev)
                            .chars()
                            .filter(char::is_ascii_digit)
                            .take(usize::from(length.get_untracked()))
                            .collect();
                        value.set(digits);
                    }
                />
                <button
                    type="button"
                    class="toggle"
                    aria-controls=id.clone()
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { t!("pin_input.hide_pin") } else { t!("pin_input.show_pin") }}
                </button>
            </div>
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}
