use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use wire::api::{Discriminator, EnrollmentRequest};

use super::account_error;
use crate::api;
use crate::components::{ErrorArea, PageHeading, SubmitButton};
use crate::routes;
use crate::state::{use_auth, use_flow};

/// Step A: remove every enrollment, the PIN and the block; the phone stays.
/// Then enrollment starts again.
#[component]
pub fn RemoveEnrollments() -> impl IntoView {
    let auth = use_auth();
    let flow = use_flow();
    let navigate = use_navigate();
    let confirmed = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let devices = LocalResource::new(api::devices);
    let remove = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let body = EnrollmentRequest {
                discriminator: Discriminator::action("remove"),
                ..Default::default()
            };
            match api::enrollment(body).await {
                Ok(()) => {
                    super::completed("enrollmentsRemoved");
                    flow.enrollment_state.set(None);
                    navigate(routes::ENROLL, Default::default());
                }
                Err(error) => form_error.set(Some(account_error(&error, auth))),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirmed.get_untracked() {
            form_error.set(Some(
                "Tick the box to confirm that you want to remove all enrollments.".to_string(),
            ));
            return;
        }
        if !remove.pending().get_untracked() {
            remove.dispatch(());
        }
    };
    let count = move || devices.get().and_then(Result::ok).map(|d| d.len());
    view! {
        <PageHeading title="Remove all enrollments"/>
        <p>"This will:"</p>
        <ul>
            <li>{move || match count() {
                Some(1) => "remove the 1 enrolled device of your account,".to_string(),
                Some(n) => format!("remove all {n} enrolled devices of your account,"),
                None => "remove every enrolled device of your account,".to_string(),
            }}</li>
            <li>"delete your PIN and unblock your account."</li>
        </ul>
        <p>"Your trusted phone number stays. Afterwards you enroll this browser again and choose a new PIN."</p>
        <form on:submit=on_submit>
            <label class="choice">
                <input type="checkbox" prop:checked=move || confirmed.get() on:change=move |ev| confirmed.set(event_target_checked(&ev))/>
                <span>"I understand: remove all enrollments"</span>
            </label>
            <ErrorArea message=form_error/>
            <div class="actions">
                <SubmitButton label="Remove all enrollments" busy=remove.pending() busy_label="Removing…"/>
                <A href=routes::ACCOUNT attr:class="button secondary">"Cancel"</A>
            </div>
        </form>
    }
}
