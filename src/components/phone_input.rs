use crate::i18n::{t, tf};
use leptos::prelude::*;
use wire::validate::{self, COUNTRIES};

/// A phone number in national or international form with a country selector
/// (defaulting to the server's region), shown back normalised to E.164.
#[component]
pub fn PhoneInput(
    value: RwSignal<String>,
    region: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let normalised = move || validate::phone_number(&value.get(), &region.get()).ok();
    view! {
        <div class="field">
            <label for="phone">{t!("phone_input.mobile_phone_number")}</label>
            <p class="hint" id="phone-hint">{t!("phone_input.we_will_send_a_6")}</p>
            <div class="phone-row">
                <label class="visually-hidden" for="phone-country">{t!("phone_input.country")}</label>
                <select
                    id="phone-country"
                    name="country"
                    autocomplete="tel-country-code"
                    on:change=move |ev| region.set(event_target_value(&ev))
                    prop:value=move || region.get()
                >
                    {COUNTRIES
                        .iter()
                        .map(|c| {
                            view! {
                                <option value=c.region selected=move || region.get() == c.region>
                                    {format!("{} +{}", c.region, c.calling_code)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <input
                    id="phone"
                    name="phone"
                    type="tel"
                    inputmode="tel"
                    autocomplete="tel"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby="phone-hint phone-normalised phone-error"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </div>
            <p class="hint" id="phone-normalised" aria-live="polite">
                {move || normalised().map(|n| tf!("phone_input.international_form", &[("number", &n)]))}
            </p>
            <p class="field-error" id="phone-error">{move || error.get()}</p>
        </div>
    }
}
