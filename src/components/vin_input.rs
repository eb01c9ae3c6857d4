use crate::i18n::t;
use leptos::prelude::*;

/// A VIN field: uppercase as typed, the I/O/Q rule explained up front.
#[component]
pub fn VinInput(
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="vin">{t!("vin_input.vehicle_identification_number_vin")}</label>
            <p class="hint" id="vin-hint">
                {t!("vin_input.17_letters_and_digits_as")}
            </p>
            <input
                id="vin"
                name="vin"
                class="vin"
                type="text"
                autocomplete="off"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="17"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="vin-hint vin-error"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev).to_ascii_uppercase())
            />
            <p class="field-error" id="vin-error">{move || error.get()}</p>
        </div>
    }
}
