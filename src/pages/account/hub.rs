use crate::i18n::{t, tf, tn};
use leptos::prelude::*;

use crate::api;
use crate::components::PageHeading;
use crate::messages::error_text;
use crate::routes;
use crate::state::use_auth;
use crate::task::{Load, Task};

fn event_text(kind: wire::api::EventKind) -> String {
    use wire::api::EventKind::*;
    match kind {
        Enrolled => t!("account.hub.a_browser_was_enrolled"),
        EnrollmentsRemoved => t!("account.hub.all_enrollments_were_removed"),
        PinSet => t!("account.hub.pin_set"),
        PinChanged => t!("account.hub.pin_changed"),
        PinReset => t!("account.hub.pin_reset"),
        PhoneAdded => t!("account.hub.phone_number_added"),
        PhoneChanged => t!("account.hub.phone_number_changed"),
        VehicleRemoved => t!("account.hub.vehicle_removed"),
        Lockout => t!("account.hub.pin_blocked_after_too_many"),
        SessionsSignedOut => t!("account.hub.sessions_signed_out"),
        DeviceRemoved => t!("account.hub.device_removed"),
    }
}

/// A device's label (the server's English "Chrome on Linux") in the visitor's language.
pub fn device_name(label: &str) -> String {
    use wire::api::{BROWSER_ON_OS, UNKNOWN_BROWSER};
    match label.split_once(BROWSER_ON_OS) {
        _ if label == UNKNOWN_BROWSER => t!("account.hub.unknown_browser"),
        Some((browser, os)) => tf!(
            "account.hub.browser_on_os",
            &[("browser", browser), ("os", os)]
        ),
        None => label.to_string(),
    }
}

/// A date and time in the browser's locale and time zone, to the minute.
pub fn format_time(unix_seconds: i64) -> String {
    formats(|(date_time, _)| {
        date_time
            .format()
            .call1(&wasm_bindgen::JsValue::NULL, &date(unix_seconds))
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default()
    })
}

type Formats = (
    js_sys::Intl::DateTimeFormat,
    js_sys::Intl::RelativeTimeFormat,
);

thread_local! {
    static FORMATS: std::cell::RefCell<Option<(crate::i18n::Locale, Formats)>> =
        const { std::cell::RefCell::new(None) };
}

/// The browser's formatters for the current language, made once per language: an `Intl`
/// formatter costs milliseconds to make and microseconds to use (a `toLocaleString` makes
/// one per call: the hub's 20 dates took 150 ms with Lighthouse's slowed CPU).
fn formats<T>(with: impl FnOnce(&Formats) -> T) -> T {
    FORMATS.with_borrow_mut(|cached| {
        let locale = crate::i18n::current();
        if cached.as_ref().map(|(made_for, _)| *made_for) != Some(locale) {
            let locales = js_sys::Array::of1(&locale.tag().into());
            let options = |pairs: &[(&str, &str)]| {
                let options = js_sys::Object::new();
                for (name, value) in pairs {
                    let _ = js_sys::Reflect::set(&options, &(*name).into(), &(*value).into());
                }
                options
            };
            let date_time = js_sys::Intl::DateTimeFormat::new(
                &locales,
                &options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
            );
            let relative =
                js_sys::Intl::RelativeTimeFormat::new(&locales, &options(&[("numeric", "auto")]));
            *cached = Some((locale, (date_time, relative)));
        }
        with(&cached.as_ref().expect("made above").1)
    })
}

/// How far `seconds` (negative: in the past) is, in the unit people would say it in,
/// rounded: 50 minutes ago is "1 hour ago", 20 days ago "3 weeks ago".
fn relative_unit(seconds: f64) -> (f64, &'static str) {
    const UNITS: [(f64, f64, &str); 6] = [
        // (up to this many seconds, seconds per unit, unit)
        (45.0 * 60.0, 60.0, "minute"),
        (22.0 * 3600.0, 3600.0, "hour"),
        (6.5 * 86400.0, 86400.0, "day"),
        (26.0 * 86400.0, 7.0 * 86400.0, "week"),
        (320.0 * 86400.0, 30.44 * 86400.0, "month"),
        (f64::INFINITY, 365.25 * 86400.0, "year"),
    ];
    let distance = seconds.abs();
    let (_, per, unit) = UNITS
        .into_iter()
        .find(|(up_to, _, _)| distance < *up_to)
        .unwrap_or(UNITS[5]);
    ((seconds / per).round(), unit)
}

/// "3 weeks ago" in the visitor's language (the browser's own words for it), in the text
/// of `key` ("enrolled {time}"); the exact dates are the tooltip.
pub fn time_ago(unix_seconds: i64, key: &'static crate::i18n::Key) -> String {
    let seconds = unix_seconds as f64 - js_sys::Date::now() / 1000.0;
    let (value, unit) = relative_unit(seconds.min(0.0));
    let words = formats(|(_, relative)| relative.format(value, unit));
    crate::i18n::fill(key, &[("time", &String::from(words))])
}

fn date(unix_seconds: i64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        unix_seconds as f64 * 1000.0,
    ))
}

/// The management hub: phone, PIN, devices, vehicles, recent security events.
/// All reads go out together.
#[component]
pub fn Hub() -> impl IntoView {
    let auth = use_auth();
    let data = Load::new(move || async move {
        let (phone, devices, vehicles, events, sessions) = futures::future::join5(
            api::trusted_phone(),
            api::devices(),
            api::vehicles(),
            api::events(),
            api::sessions(),
        )
        .await;
        let result =
            (|| Ok::<_, api::ApiError>((phone?, devices?, vehicles?, events?, sessions?)))();
        if let Err(error) = &result {
            auth.notice(error);
        }
        result
    });
    // Outside the panel: the panel is drawn anew when the hub reloads after a sign-out,
    // and what it said must stay.
    let sessions_notice = RwSignal::new(None::<String>);
    view! {
        <PageHeading title=t!("lib.account_security")/>
            {move || match data.get() {
                None => view! { <p class="loading" role="status">{t!("account.hub.loading_your_account")}</p> }.into_any(),
                Some(Err(error)) => view! { <div class="form-error" role="alert">{error_text(&error)}</div> }.into_any(),
                Some(Ok((phone, devices, vehicles, events, sessions))) => {
                    view! {
                        <section aria-labelledby="phone-heading" class="panel">
                            <h2 id="phone-heading">{t!("account.hub.trusted_phone")}</h2>
                            <p data-testid="masked-phone">{phone.masked_phone_number.clone().unwrap_or_else(|| t!("account.hub.no_trusted_phone_number_yet"))}</p>
                            {phone.phone_number.is_some().then(|| view! { <a href=routes::ACCOUNT_PHONE>{t!("account.hub.change_phone_number")}</a> })}
                        </section>
                        <section aria-labelledby="pin-heading" class="panel">
                            <h2 id="pin-heading">{t!("stepper.pin")}</h2>
                            <ul class="links">
                                <li><a href=routes::ACCOUNT_PIN_UPDATE>{t!("account.hub.change_pin")}</a></li>
                                <li><a href=routes::ACCOUNT_PIN_RESET>{t!("account.hub.forgot_pin_reset_it_by")}</a></li>
                            </ul>
                        </section>
                        <section aria-labelledby="devices-heading" class="panel">
                            <h2 id="devices-heading">{t!("account.hub.enrolled_devices")}</h2>
                            // Each device, as the vehicles are below; removing one is on its page.
                            {devices.is_empty().then(|| view! { <p>{t!("account.hub.no_enrolled_device")}</p> })}
                            <ul data-testid="hub-devices">
                                {devices.into_iter().map(|d| view! {
                                    <li>
                                        {device_name(&d.label)}
                                        {d.current.then(|| format!(" {}", t!("account.hub.this_browser")))}
                                        <span class="hint" title=format_time(d.last_seen_at)>
                                            " "{time_ago(d.last_seen_at, crate::i18n_key!("account.hub.last_used"))}
                                        </span>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <ul class="links">
                                <li><a href=routes::DEVICES>{t!("account.hub.see_and_remove_devices")}</a></li>
                            </ul>
                            <a href=routes::ACCOUNT_REMOVE_ENROLLMENTS class="button danger">{t!("account.hub.remove_all_enrollments")}</a>
                        </section>
                        <SessionsPanel sessions=sessions notice=sessions_notice on_change=Callback::new(move |()| data.refetch())/>
                        <section aria-labelledby="vehicles-heading" class="panel">
                            <h2 id="vehicles-heading">{t!("account.hub.vehicles")}</h2>
                            <ul>
                                {vehicles.into_iter().map(|v| view! { <li>{v.label} " " <span class="vin">{v.vin}</span></li> }).collect_view()}
                            </ul>
                            <a href=routes::ACCOUNT_VEHICLES>{t!("account.hub.manage_vehicles")}</a>
                        </section>
                        <section aria-labelledby="events-heading" class="panel">
                            <h2 id="events-heading">{t!("account.hub.recent_security_events")}</h2>
                            {events.is_empty().then(|| view! { <p>{t!("account.hub.no_security_event_yet")}</p> })}
                            <ul class="events" data-testid="events">
                                {events.into_iter().take(10).map(|e| view! {
                                    <li>
                                        {event_text(e.kind)}
                                        <span class="hint">
                                            " "{tf!("account.hub.event_detail", &[("time", &format_time(e.at))])}
                                            {e.device.map(|d| format!(" · {}", device_name(&d)))}
                                        </span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
            }}
    }
}

/// Where the account is signed in: each session with where and when it was last used,
/// "sign out" for each other one, and "sign out everywhere else" (a lost phone, a shared
/// computer).
#[component]
fn SessionsPanel(
    sessions: Vec<wire::api::SessionSummary>,
    notice: RwSignal<Option<String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let error = RwSignal::new(None::<String>);
    let sign_out = Task::new(move |id: Option<String>| async move {
        match api::sign_out_sessions(id).await {
            Ok(n) => {
                error.set(None);
                notice.set(Some(tn!("plural.sessions_signed_out", n)));
                on_change.run(());
            }
            Err(failure) => {
                auth.notice(&failure);
                error.set(Some(error_text(&failure)));
            }
        }
    });
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <section aria-labelledby="sessions-heading" class="panel">
            <h2 id="sessions-heading">{t!("account.hub.where_signed_in")}</h2>
            <div class="status ok" role="status" data-testid="sessions-notice">{move || notice.get()}</div>
            <ul class="sessions" data-testid="sessions">
                {sessions.into_iter().map(|s| {
                    let label = s.device.as_deref().map_or_else(|| t!("account.hub.unknown_browser"), device_name);
                    let id = s.id.clone();
                    view! {
                        <li>
                            <span>
                                <strong>{label.clone()}</strong>
                                {s.current.then(|| format!(" {}", t!("account.hub.this_session")))}
                                <span class="hint">" "{tf!("account.hub.last_active", &[("time", &format_time(s.last_used_at))])}</span>
                            </span>
                            {(!s.current).then(|| view! {
                                <button type="button" class="secondary" disabled=move || sign_out.pending().get()
                                    aria-label=tf!("account.hub.sign_out_label", &[("label", &label)])
                                    on:click=move |_| sign_out.dispatch(Some(id.clone()))>{t!("account.hub.sign_out")}</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || error.get().map(|text| view! { <div class="form-error" role="alert">{text}</div> })}
            {(others > 0).then(|| view! {
                <button type="button" class="secondary" disabled=move || sign_out.pending().get()
                    on:click=move |_| sign_out.dispatch(None)>{t!("account.hub.sign_out_everywhere_else")}</button>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{device_name, relative_unit};
    use crate::i18n::{self, Locale};

    #[test]
    fn device_labels_are_said_in_the_visitors_language() {
        i18n::use_compiled(Locale::En);
        assert_eq!(device_name("Chrome on Linux"), "Chrome on Linux");
        assert_eq!(device_name("Safari"), "Safari");
        i18n::use_compiled(Locale::De);
        assert_eq!(device_name("Chrome on Linux"), "Chrome unter Linux");
        assert_eq!(
            device_name("Samsung Internet on Android"),
            "Samsung Internet unter Android"
        );
        assert_eq!(device_name("Unknown browser"), "Unbekannter Browser");
        assert_eq!(device_name("Firefox"), "Firefox");
        i18n::use_compiled(Locale::En);
    }

    #[test]
    fn relative_times_round_to_the_unit_people_would_say() {
        let (minute, hour, day) = (60.0, 3600.0, 86400.0);
        assert_eq!(relative_unit(-10.0), (-0.0, "minute"));
        assert_eq!(relative_unit(-5.0 * minute), (-5.0, "minute"));
        assert_eq!(relative_unit(-50.0 * minute), (-1.0, "hour"));
        assert_eq!(relative_unit(-23.0 * hour), (-1.0, "day"));
        assert_eq!(relative_unit(-3.0 * day), (-3.0, "day"));
        assert_eq!(relative_unit(-20.0 * day), (-3.0, "week"));
        assert_eq!(relative_unit(-60.0 * day), (-2.0, "month"));
        assert_eq!(relative_unit(-400.0 * day), (-1.0, "year"));
    }
}
