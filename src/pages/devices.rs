//! The enrolled devices, one by one (beyond the SDK, as in every account console: a lost or
//! sold phone, an old laptop), and the way past the device limit.

use crate::i18n::{t, tf, tn};
use leptos::prelude::*;

use crate::api;
use wire::{validate, ErrorCode};

use crate::components::{PageHeading, PinInput, SubmitButton};
use crate::messages::problem_text;
use crate::pages::account::account_error;
use crate::pages::account::hub::{device_name, format_time, time_ago};
use crate::routes;
use crate::state::{use_auth, use_config};
use crate::task::{Load, Task};

#[component]
pub fn Devices() -> impl IntoView {
    let auth = use_auth();
    let list = Load::new(move || async move {
        let result = api::devices().await;
        if let Err(error) = &result {
            auth.notice(error);
        }
        result
    });
    // Outside the list: it is drawn anew after a removal, and what it said must stay.
    let notice = RwSignal::new(None::<String>);
    view! {
        <section class="card account">
            <a href=routes::ACCOUNT class="back">{t!("account.account_security")}</a>
            <PageHeading title=t!("devices.your_devices")/>
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{t!("devices.loading")}</p> }.into_any(),
                Some(Err(error)) => view! { <div class="form-error" role="alert">{account_error(&error, auth)}</div> }.into_any(),
                Some(Ok(devices)) => view! {
                    <DeviceList devices=devices notice=notice on_removed=Callback::new(move |id: String| {
                        list.update(|answer| {
                            if let Ok(devices) = answer {
                                devices.retain(|d| d.id != id)
                            }
                        })
                    })/>
                }.into_any(),
            }}
        </section>
    }
}

/// The enrolled devices: each with when it was enrolled and last used, "this browser"
/// marked, and "remove" behind the PIN (sent with the removal: one round trip). At the device limit, a browser that is not one of them is told why it cannot
/// enroll, and may remove one with the PIN to make room.
#[component]
fn DeviceList(
    devices: Vec<wire::api::Device>,
    notice: RwSignal<Option<String>>,
    on_removed: Callback<String>,
) -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let error = RwSignal::new(None::<String>);
    // The device waiting for the PIN: (id, label).
    let pending = RwSignal::new(None::<(String, String)>);
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<String>);
    let remove = Task::new(
        move |(id, label, pin): (String, String, String)| async move {
            match api::remove_device(id.clone(), pin).await {
                Ok(()) => {
                    crate::pages::account::completed("deviceRemoved");
                    pending.set(None);
                    notice.set(Some(tf!(
                        "account.hub.device_removed_named",
                        &[("label", &label)]
                    )));
                    on_removed.run(id);
                }
                // A wrong PIN: the form stays, with the tries left.
                Err(failure) if failure.code() == Some(ErrorCode::WrongPin) => {
                    pin_error.set(Some(account_error(&failure, auth)));
                }
                Err(failure) => {
                    pending.set(None);
                    error.set(Some(account_error(&failure, auth)));
                }
            }
        },
    );
    let on_pin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((id, label)) = pending.get_untracked() else {
            return;
        };
        match validate::pin_format(&pin.get_untracked(), config.pin_length()) {
            Ok(()) if !remove.pending().get_untracked() => {
                pin_error.set(None);
                remove.dispatch((id, label, pin.get_untracked()));
            }
            Ok(()) => {}
            Err(problem) => pin_error.set(Some(problem_text(problem))),
        }
        pin.set(String::new());
    };
    let this_enrolled = devices.iter().any(|d| d.current);
    let at_limit = !this_enrolled && devices.len() >= config.device_limit();
    let count = devices.len();
    view! {
        <div class="status ok" role="status" data-testid="devices-notice">{move || notice.get()}</div>
        {at_limit.then(|| view! { <p class="status" data-testid="device-limit">{tn!("plural.devices_at_limit", count as u64)}</p> })}
        {devices.is_empty().then(|| view! { <p>{t!("account.hub.no_enrolled_device")}</p> })}
        <ul class="devices" data-testid="devices">
            {devices.into_iter().map(|d| {
                let name = device_name(&d.label);
                let target = (d.id.clone(), name.clone());
                view! {
                    <li>
                        <span>
                            <strong>{name.clone()}</strong>
                            {d.current.then(|| format!(" {}", t!("account.hub.this_browser")))}
                            <span class="hint" title=format!("{} · {}", format_time(d.enrolled_at), format_time(d.last_seen_at))>
                                {format!(
                                    " {} · {}",
                                    time_ago(d.enrolled_at, crate::i18n_key!("account.hub.enrolled_at")),
                                    time_ago(d.last_seen_at, crate::i18n_key!("account.hub.last_used")),
                                )}
                            </span>
                        </span>
                        {(this_enrolled || at_limit).then(|| view! {
                            <button type="button" class="secondary"
                                aria-label=tf!("account.hub.remove_device_label", &[("label", &name)])
                                on:click=move |_| {
                                    notice.set(None);
                                    error.set(None);
                                    pin_error.set(None);
                                    // A PIN typed for another device is not carried over.
                                    pin.set(String::new());
                                    pending.set(Some(target.clone()));
                                    crate::components::focus_later("#step-up-pin");
                                }>{t!("account.vehicles.remove")}</button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || error.get().map(|text| view! { <div class="form-error" role="alert">{text}</div> })}
        {move || pending.get().map(|(_, label)| view! {
            <form on:submit=on_pin novalidate aria-labelledby="step-up-title">
                <h2 id="step-up-title">{t!("account.vehicles.confirm_with_your_pin")}</h2>
                <p>{tf!("account.hub.remove_device_needs_pin", &[("label", &label)])}</p>
                <PinInput id="step-up-pin" label=t!("stepper.pin") value=pin length=Signal::derive(move || config.pin_length()) error=pin_error autocomplete="current-password"/>
                <div class="actions">
                    <SubmitButton label=t!("account.vehicles.confirm") busy=remove.pending() busy_label=t!("account.change_phone.checking")/>
                    <button type="button" class="secondary" on:click=move |_| { pin.set(String::new()); pending.set(None); }>{t!("account.remove_enrollments.cancel")}</button>
                </div>
            </form>
        })}
        {(!this_enrolled && !at_limit).then(|| view! { <p><a href=routes::ENROLL>{t!("account.hub.enroll_this_browser")}</a></p> })}
    }
}
