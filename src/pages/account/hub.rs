use crate::i18n::{plural_keys, t, tf, tn};
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

/// A date and time in the browser's time zone, to the minute, written as the visitor's
/// language writes it.
///
/// Not through `Intl`: the first `Intl` formatter a page makes loads the browser's locale
/// data, 150 ms of main thread with Lighthouse's 4x slower CPU, the account page's longest
/// task. `Date`'s getters cost nothing, and the words (months, the order, the clock) come
/// from the catalogue as every other text does.
pub fn format_time(unix_seconds: i64) -> String {
    let date = date(unix_seconds);
    date_text(&LocalTime {
        year: date.get_full_year(),
        month: date.get_month(),
        day: date.get_date(),
        hour: date.get_hours(),
        minute: date.get_minutes(),
    })
}

/// A moment in local time, as `Date`'s getters give it (`month` from 0).
struct LocalTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

fn date_text(at: &LocalTime) -> String {
    let months = [
        crate::i18n_key!("date.month_1"),
        crate::i18n_key!("date.month_2"),
        crate::i18n_key!("date.month_3"),
        crate::i18n_key!("date.month_4"),
        crate::i18n_key!("date.month_5"),
        crate::i18n_key!("date.month_6"),
        crate::i18n_key!("date.month_7"),
        crate::i18n_key!("date.month_8"),
        crate::i18n_key!("date.month_9"),
        crate::i18n_key!("date.month_10"),
        crate::i18n_key!("date.month_11"),
        crate::i18n_key!("date.month_12"),
    ];
    // Two words (before and after noon) make a 12-hour clock; none, a 24-hour one.
    let time = match t!("date.am_pm").split_once('|') {
        Some((am, pm)) => {
            let hour = match at.hour % 12 {
                0 => 12,
                hour => hour,
            };
            let period = if at.hour < 12 { am } else { pm };
            format!("{hour}:{:02} {period}", at.minute)
        }
        None => format!("{:02}:{:02}", at.hour, at.minute),
    };
    tf!(
        "date.date_time",
        &[
            ("month", &crate::i18n::text(months[at.month as usize % 12])),
            ("day", &at.day.to_string()),
            ("year", &at.year.to_string()),
            ("time", &time),
        ]
    )
}

/// "3 weeks ago" in the visitor's language, in the text of `key` ("enrolled {time}"); the
/// exact dates are the tooltip.
pub fn time_ago(unix_seconds: i64, key: &'static crate::i18n::Key) -> String {
    let seconds = unix_seconds as f64 - js_sys::Date::now() / 1000.0;
    crate::i18n::fill(key, &[("time", &ago_text(seconds))])
}

/// `seconds` (negative: in the past; the future is now) as people say it: in the unit they
/// would say it in, rounded, so 50 minutes ago is "1 hour ago" and 20 days ago "3 weeks ago".
fn ago_text(seconds: f64) -> String {
    let units = [
        // (up to this many seconds, seconds per unit, the unit's plural texts)
        (45.0 * 60.0, 60.0, plural_keys!("plural.minutes_ago")),
        (22.0 * 3600.0, 3600.0, plural_keys!("plural.hours_ago")),
        (6.5 * 86400.0, 86400.0, plural_keys!("plural.days_ago")),
        (
            26.0 * 86400.0,
            7.0 * 86400.0,
            plural_keys!("plural.weeks_ago"),
        ),
        (
            320.0 * 86400.0,
            30.44 * 86400.0,
            plural_keys!("plural.months_ago"),
        ),
        (
            f64::INFINITY,
            365.25 * 86400.0,
            plural_keys!("plural.years_ago"),
        ),
    ];
    let distance = -seconds.min(0.0);
    let (_, per, [one, other]) = units
        .into_iter()
        .find(|(up_to, _, _)| distance < *up_to)
        .unwrap_or(units[units.len() - 1]);
    match (distance / per).round() as u64 {
        0 => t!("date.now"),
        n => crate::i18n::plural(one, other, n),
    }
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
    use super::{ago_text, date_text, device_name, LocalTime};
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
        i18n::use_compiled(Locale::En);
        assert_eq!(ago_text(-5.0 * minute), "5 minutes ago");
        assert_eq!(ago_text(-44.0 * minute), "44 minutes ago");
        assert_eq!(ago_text(-50.0 * minute), "1 hour ago");
        assert_eq!(ago_text(-21.0 * hour), "21 hours ago");
        assert_eq!(ago_text(-23.0 * hour), "1 day ago");
        assert_eq!(ago_text(-3.0 * day), "3 days ago");
        assert_eq!(ago_text(-20.0 * day), "3 weeks ago");
        assert_eq!(ago_text(-60.0 * day), "2 months ago");
        assert_eq!(ago_text(-400.0 * day), "1 year ago");
        assert_eq!(
            ago_text(f64::NAN),
            "just now",
            "a time that is not a number reads as now"
        );
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let afternoon = LocalTime {
            year: 2026,
            month: 11,
            day: 3,
            hour: 16,
            minute: 5,
        };
        let midnight = LocalTime {
            year: 2027,
            month: 0,
            day: 1,
            hour: 0,
            minute: 30,
        };
        i18n::use_compiled(Locale::En);
        assert_eq!(date_text(&afternoon), "Dec 3, 2026, 4:05 PM");
        assert_eq!(date_text(&midnight), "Jan 1, 2027, 12:30 AM");
        i18n::use_compiled(Locale::Fr);
        assert_eq!(date_text(&afternoon), "3 déc. 2026, 16:05");
        assert_eq!(date_text(&midnight), "1 janv. 2027, 00:30");
        i18n::use_compiled(Locale::De);
        assert_eq!(date_text(&afternoon), "3. Dez. 2026, 16:05");
        i18n::use_compiled(Locale::Pt);
        assert_eq!(date_text(&afternoon), "3 de dez. de 2026, 16:05");
        i18n::use_compiled(Locale::En);
    }

    #[test]
    fn how_long_ago_is_said_with_each_languages_plurals() {
        let (minute, day) = (60.0, 86400.0);
        i18n::use_compiled(Locale::En);
        assert_eq!(ago_text(-10.0), "just now");
        assert_eq!(
            ago_text(30.0),
            "just now",
            "a clock ahead is not the future"
        );
        assert_eq!(ago_text(-minute), "1 minute ago");
        assert_eq!(ago_text(-20.0 * day), "3 weeks ago");
        i18n::use_compiled(Locale::Fr);
        assert_eq!(ago_text(-20.0 * day), "il y a 3 semaines");
        assert_eq!(ago_text(-400.0 * day), "il y a 1 an");
        i18n::use_compiled(Locale::Pl);
        assert_eq!(ago_text(-2.0 * day), "2 dni temu");
        assert_eq!(ago_text(-5.0 * minute), "5 minut temu");
        assert_eq!(ago_text(-22.0 * minute), "22 minuty temu");
        assert_eq!(ago_text(-60.0 * day), "2 miesiące temu");
        i18n::use_compiled(Locale::En);
    }
}
