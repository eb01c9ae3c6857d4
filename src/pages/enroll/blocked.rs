use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{use_step_guard, GuardState, Guarded, PageHeading};
use crate::flow::Step;
use crate::routes;

/// The account is blocked: why, and the way out (A, remove all enrollments).
#[component]
pub fn Blocked() -> impl IntoView {
    let guard = use_step_guard(Step::Blocked);
    let reason = move || {
        match guard.get() {
        GuardState::Ready { probe, .. } => match probe.block {
            wire::api::BlockState::AccountBlocked => "Your account already has the maximum number of enrolled devices, so this browser cannot be added.",
            wire::api::BlockState::PinBlocked => "Your PIN was entered wrongly too many times, so it is blocked.",
            _ => "Your account is blocked.",
        },
        _ => "",
    }
    };
    view! {
        <PageHeading title="Your account is blocked"/>
        <Guarded state=guard>
            <p data-testid="blocked-reason">{reason}</p>
            <p>
                "To start again, remove all enrollments: every enrolled device is removed and your PIN is deleted. "
                "Your phone number stays. You then enroll this browser again and choose a new PIN."
            </p>
            <A href=routes::ACCOUNT_REMOVE_ENROLLMENTS attr:class="button primary">"Remove all enrollments"</A>
        </Guarded>
    }
}
