use crate::i18n::t;
use leptos::prelude::*;

use crate::components::{use_step_guard, GuardState, Guarded, PageHeading};
use crate::flow::Step;
use crate::routes;

/// The account is blocked: why, and the way out (A, remove all enrollments).
#[component]
pub fn Blocked() -> impl IntoView {
    let guard = use_step_guard(Step::Blocked);
    let reason = move || match guard.get() {
        GuardState::Ready { probe, .. } => match probe.block {
            wire::api::BlockState::AccountBlocked => {
                t!("enroll.blocked.your_account_already_has_the")
            }
            wire::api::BlockState::PinBlocked => t!("enroll.blocked.your_pin_was_entered_wrongly"),
            _ => t!("enroll.blocked.your_account_is_blocked"),
        },
        _ => String::new(),
    };
    view! {
        <PageHeading title=t!("enroll.blocked.your_account_is_blocked_2")/>
        <Guarded state=guard>
            <p data-testid="blocked-reason">{reason}</p>
            <p>
                {t!("enroll.blocked.to_start_again_remove_all")}
                " "
                {t!("enroll.blocked.your_phone_number_stays_you")}
            </p>
            <a href=routes::ACCOUNT_REMOVE_ENROLLMENTS class="button primary">{t!("account.hub.remove_all_enrollments")}</a>
        </Guarded>
    }
}
