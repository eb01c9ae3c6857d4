use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::PageHeading;
use crate::messages::error_text;
use crate::routes;
use crate::state::use_auth;

fn event_text(kind: wire::api::EventKind) -> &'static str {
    use wire::api::EventKind::*;
    match kind {
        Enrolled => "A browser was enrolled",
        EnrollmentsRemoved => "All enrollments were removed",
        PinSet => "PIN set",
        PinChanged => "PIN changed",
        PinReset => "PIN reset",
        PhoneAdded => "Phone number added",
        PhoneChanged => "Phone number changed",
        VehicleRemoved => "Vehicle removed",
        Lockout => "PIN blocked after too many wrong tries",
    }
}

/// A date and time in the browser's locale and time zone.
pub fn format_time(unix_seconds: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        unix_seconds as f64 * 1000.0,
    ));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// The management hub: phone, PIN, devices, vehicles, recent security events.
/// All reads go out together.
#[component]
pub fn Hub() -> impl IntoView {
    let auth = use_auth();
    let data = LocalResource::new(move || async move {
        let (phone, devices, vehicles, events) = futures::future::join4(
            api::trusted_phone(),
            api::devices(),
            api::vehicles(),
            api::events(),
        )
        .await;
        let result = (|| Ok::<_, api::ApiError>((phone?, devices?, vehicles?, events?)))();
        if let Err(error) = &result {
            auth.notice(error);
        }
        result
    });
    view! {
        <PageHeading title="Account security"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your account…"</p> }>
            {move || data.get().map(|result| match result {
                Err(error) => view! { <div class="form-error" role="alert">{error_text(&error)}</div> }.into_any(),
                Ok((phone, devices, vehicles, events)) => {
                    let this_enrolled = devices.iter().any(|d| d.current);
                    view! {
                        <section aria-labelledby="phone-heading" class="panel">
                            <h2 id="phone-heading">"Trusted phone"</h2>
                            <p data-testid="masked-phone">{phone.masked_phone_number.clone().unwrap_or_else(|| "No trusted phone number yet.".to_string())}</p>
                            {phone.phone_number.is_some().then(|| view! { <A href=routes::ACCOUNT_PHONE>"Change phone number"</A> })}
                        </section>
                        <section aria-labelledby="pin-heading" class="panel">
                            <h2 id="pin-heading">"PIN"</h2>
                            <ul class="links">
                                <li><A href=routes::ACCOUNT_PIN_UPDATE>"Change PIN"</A></li>
                                <li><A href=routes::ACCOUNT_PIN_RESET>"Forgot PIN: reset it by SMS"</A></li>
                            </ul>
                        </section>
                        <section aria-labelledby="devices-heading" class="panel">
                            <h2 id="devices-heading">"Enrolled devices"</h2>
                            {if devices.is_empty() {
                                view! { <p>"No enrolled device."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="devices" data-testid="devices">
                                        {devices.into_iter().map(|d| view! {
                                            <li>
                                                <strong>{d.label.clone()}</strong>
                                                {d.current.then_some(" (this browser)")}
                                                <span class="hint">{format!(" enrolled {}", format_time(d.enrolled_at))}</span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            {(!this_enrolled).then(|| view! { <p><A href=routes::ENROLL>"Enroll this browser"</A></p> })}
                            <A href=routes::ACCOUNT_REMOVE_ENROLLMENTS attr:class="button danger">"Remove all enrollments"</A>
                        </section>
                        <section aria-labelledby="vehicles-heading" class="panel">
                            <h2 id="vehicles-heading">"Vehicles"</h2>
                            <ul>
                                {vehicles.into_iter().map(|v| view! { <li>{v.label} " " <span class="vin">{v.vin}</span></li> }).collect_view()}
                            </ul>
                            <A href=routes::ACCOUNT_VEHICLES>"Manage vehicles"</A>
                        </section>
                        <section aria-labelledby="events-heading" class="panel">
                            <h2 id="events-heading">"Recent security events"</h2>
                            {events.is_empty().then(|| view! { <p>"No security event yet."</p> })}
                            <ul class="events" data-testid="events">
                                {events.into_iter().take(10).map(|e| view! {
                                    <li>
                                        {event_text(e.kind)}
                                        <span class="hint">
                                            {format!(" · {}", format_time(e.at))}
                                            {e.device.map(|d| format!(" · {d}"))}
                                        </span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
