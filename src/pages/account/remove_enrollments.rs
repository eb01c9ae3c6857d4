use crate::i18n::{t, tf};
use crate::router::use_navigate;
use leptos::prelude::*;
use wire::api::{Discriminator, EnrollmentRequest};

use super::account_error;
use crate::api;
use crate::components::{ErrorArea, PageHeading, SubmitButton};
use crate::routes;
use crate::state::{use_auth, use_flow};
use crate::task::{Load, Task};

/// Step A: remove every enrollment, the PIN and the block; the phone stays.
/// Then enrollment starts again.
#[component]
pub fn RemoveEnrollments() -> impl IntoView {
    let auth = use_auth();
    let flow = use_flow();
    let navigate = use_navigate();
    let confirmed = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let devices = Load::new(api::devices);
    let remove = Task::new(move |()| {
        let navigate = navigate.clone();
        async move {
            let body = EnrollmentRequest {
                discriminator: Discriminator::action("remove"),
                ..Default::default()
            };
            match api::enrollment(body).await {
                Ok(()) => {
                    super::completed("enrollmentsRemoved");
                    flow.set_enrollment_state(None);
                    navigate(routes::ENROLL, Default::default());
                }
                Err(error) => form_error.set(Some(account_error(&error, auth))),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirmed.get_untracked() {
            form_error.set(Some(t!(
                "account.remove_enrollments.tick_the_box_to_confirm",
            )));
            return;
        }
        if !remove.pending().get_untracked() {
            remove.dispatch(());
        }
    };
    let count = move || devices.get().and_then(Result::ok).map(|d| d.len());
    view! {
        <PageHeading title=t!("account.hub.remove_all_enrollments")/>
        <p>{t!("account.remove_enrollments.this_will")}</p>
        <ul>
            <li>{move || match count() {
                Some(0) => t!("account.remove_enrollments.no_device_left"),
                Some(1) => t!("account.remove_enrollments.remove_the_1_enrolled_device"),
                Some(n) => tf!("account.remove_enrollments.remove_all_n", &[("n", &n.to_string())]),
                None => t!("account.remove_enrollments.remove_every_enrolled_device_of"),
            }}</li>
            <li>{t!("account.remove_enrollments.delete_your_pin_and_unblock")}</li>
        </ul>
        <p>{t!("account.remove_enrollments.your_trusted_phone_number_stays")}</p>
        <form on:submit=on_submit>
            <label class="choice">
                <input type="checkbox" prop:checked=move || confirmed.get() on:change=move |ev| confirmed.set(event_target_checked(&ev))/>
                <span>{t!("account.remove_enrollments.i_understand_remove_all_enrollments")}</span>
            </label>
            <ErrorArea message=form_error/>
            <div class="actions">
                <SubmitButton label=t!("account.hub.remove_all_enrollments") busy=remove.pending() busy_label=t!("account.remove_enrollments.removing")/>
                <a href=routes::ACCOUNT class="button secondary">{t!("account.remove_enrollments.cancel")}</a>
            </div>
        </form>
    }
}
