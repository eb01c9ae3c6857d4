use crate::i18n::{t, tf};
use leptos::prelude::*;
use wire::validate;
use wire::ErrorCode;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, ErrorArea, PageHeading, PinInput, Show, SubmitButton, VinInput,
};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};
use crate::task::{Load, Task};

/// Step E: remove a vehicle association. The server asks for a fresh proof of
/// strong authentication (2302 without one): the PIN dialog sends the PIN with the
/// removal itself.
#[component]
pub fn Vehicles() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let list = Load::new(api::vehicles);
    let vin = RwSignal::new(String::new());
    let vin_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let last_error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    // The VIN waiting for the PIN dialog.
    let pending_vin = RwSignal::new(None::<String>);
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<String>);

    // The PIN goes with the removal (`X-Strong-Auth-PIN`): one round trip, and the list
    // loses the vehicle the server removed without being read again.
    let remove = Task::new(move |(vin, pin): (String, String)| async move {
        match api::remove_vehicle(vin.clone(), pin).await {
            Ok(()) => {
                super::completed("vehicleRemoved");
                pending_vin.set(None);
                notice.set(Some(tf!("account.vehicles.removed", &[("vin", &vin)])));
                list.update(|answer| {
                    if let Ok(vehicles) = answer {
                        vehicles.retain(|v| !v.vin.eq_ignore_ascii_case(&vin))
                    }
                });
            }
            // A wrong PIN, or no answer: the dialog stays, with what went wrong.
            Err(error) if error.code() == Some(ErrorCode::WrongPin) || error.is_retryable() => {
                pin_error.set(Some(account_error(&error, auth)));
            }
            Err(error) => {
                pending_vin.set(None);
                form_error.set(Some(account_error(&error, auth)));
                last_error.set(Some(error));
            }
        }
    });
    // Removing a vehicle always needs the PIN (the server's 2302): it is asked first.
    let start_removal = move |vin: String| {
        form_error.set(None);
        last_error.set(None);
        notice.set(None);
        pin_error.set(None);
        pending_vin.set(Some(vin));
        // The dialog takes the focus, so keyboard users land in it.
        crate::components::focus_later("#step-up-pin");
    };
    let on_vin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match validate::vin(&vin.get_untracked()) {
            Ok(value) => {
                vin_error.set(None);
                start_removal(value);
            }
            Err(problem) => {
                vin_error.set(Some(problem_text(problem)));
                focus_first_invalid();
            }
        }
    };
    let on_pin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if remove.pending().get_untracked() {
            return;
        }
        let Some(vin) = pending_vin.get_untracked() else {
            return;
        };
        match validate::pin_format(&pin.get_untracked(), config.pin_length()) {
            Ok(()) => {
                pin_error.set(None);
                remove.dispatch((vin, pin.get_untracked()));
            }
            Err(problem) => pin_error.set(Some(problem_text(problem))),
        }
        pin.set(String::new());
    };
    let busy = remove.pending();

    view! {
        <PageHeading title=t!("account.vehicles.your_vehicles")/>
        <div class="status ok" role="status" data-testid="notice">{move || notice.get()}</div>
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{t!("account.vehicles.loading_your_vehicles")}</p> }.into_any(),
                Some(Ok(vehicles)) if vehicles.is_empty() => view! { <p>{t!("account.vehicles.no_vehicle_is_linked_to")}</p> }.into_any(),
                Some(Ok(vehicles)) => view! {
                    <ul class="vehicles" data-testid="vehicles">
                        {vehicles.into_iter().map(|v| {
                            let vin = v.vin.clone();
                            view! {
                                <li>
                                    <span><strong>{v.label.clone()}</strong> " " <span class="vin">{v.vin.clone()}</span></span>
                                    <button type="button" class="secondary" disabled=move || busy.get()
                                        aria-label=tf!("account.vehicles.remove_label", &[("label", &v.label), ("vin", &v.vin)])
                                        on:click=move |_| start_removal(vin.clone())>{t!("account.vehicles.remove")}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(error)) => view! { <div class="form-error" role="alert">{account_error(&error, auth)}</div> }.into_any(),
            }}
        <form on:submit=on_vin novalidate>
            <h2>{t!("account.vehicles.remove_a_vehicle_by_vin")}</h2>
            <VinInput value=vin error=vin_error/>
            <ErrorArea message=form_error/>
            <WayOut error=last_error/>
            <SubmitButton label=t!("account.vehicles.remove_this_vehicle") busy=busy busy_label=t!("account.remove_enrollments.removing")/>
        </form>
        <Show when=move || pending_vin.get().is_some()>
            <div class="dialog-backdrop">
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="step-up-title"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            pending_vin.set(None);
                            pin.set(String::new());
                        }
                    }
                >
                    <h2 id="step-up-title">{t!("account.vehicles.confirm_with_your_pin")}</h2>
                    <p>{move || tf!("account.vehicles.needs_pin", &[("vin", &pending_vin.get().unwrap_or_default())])}</p>
                    <form on:submit=on_pin novalidate>
                        <PinInput id="step-up-pin" label=t!("stepper.pin") value=pin length=Signal::derive(move || config.pin_length()) error=pin_error autocomplete="current-password"/>
                        <div class="actions">
                            <SubmitButton label=t!("account.vehicles.confirm") busy=busy busy_label=t!("account.change_phone.checking")/>
                            <button type="button" class="secondary" on:click=move |_| { pending_vin.set(None); pin.set(String::new()); }>{t!("account.remove_enrollments.cancel")}</button>
                        </div>
                    </form>
                </div>
            </div>
        </Show>
    }
}
