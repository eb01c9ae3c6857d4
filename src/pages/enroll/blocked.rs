use crate::i18n::t;
use leptos::prelude::*;

use crate::components::{use_step_guard, GuardState, Guarded, PageHeading};
use crate::flow::{self, Standing, Step};
use crate::routes;

/// This browser cannot enroll: why, and the way out (the device list at the device limit;
/// otherwise A, remove all enrollments).
#[component]
pub fn Blocked() -> impl IntoView {
    let guard = use_step_guard(Step::Blocked);
    let standing = move || match guard.get() {
        GuardState::Ready { probe, .. } => Some(flow::standing(probe)),
        _ => None,
    };
    let reason = move || match standing() {
        Some(Standing::DeviceLimit) => t!("enroll.blocked.your_account_already_has_the"),
        Some(Standing::PinBlocked) => t!("enroll.blocked.your_pin_was_entered_wrongly"),
        Some(_) => t!("enroll.blocked.your_account_is_blocked"),
        None => String::new(),
    };
    view! {
        <PageHeading title=t!("enroll.blocked.your_account_is_blocked_2")/>
        <Guarded state=guard>
            <p data-testid="blocked-reason">{reason}</p>
            {move || if standing() == Some(Standing::DeviceLimit) {
                view! {
                    <p>{t!("enroll.blocked.remove_one_device")}</p>
                    <a href=routes::DEVICES class="button primary">{t!("home.choose_a_device_to_remove")}</a>
                }.into_any()
            } else {
                view! {
                    <p>
                        {t!("enroll.blocked.to_start_again_remove_all")}
                        " "
                        {t!("enroll.blocked.your_phone_number_stays_you")}
                    </p>
                    <a href=routes::ACCOUNT_REMOVE_ENROLLMENTS class="button primary">{t!("account.hub.remove_all_enrollments")}</a>
                }.into_any()
            }}
        </Guarded>
    }
}
