use crate::i18n::t;
use leptos::prelude::*;

use super::FlowStepper;
use crate::components::{use_step_guard, Guarded, PageHeading};
use crate::flow::Step;
use crate::routes;

/// Success: this browser is enrolled; what the user can do now.
#[component]
pub fn Done() -> impl IntoView {
    let guard = use_step_guard(Step::Done);
    // The guard lets this screen through only for an enrolled device.
    Effect::new(move |announced: Option<bool>| {
        let ready = matches!(guard.get(), crate::components::GuardState::Ready { .. });
        if ready && announced != Some(true) {
            crate::embed::send(wire::embed::PortalEvent::Enrolled);
        }
        ready || announced == Some(true)
    });
    view! {
        <FlowStepper step=Step::Done/>
        <PageHeading title=t!("enroll.done.this_browser_is_enrolled")/>
        <Guarded state=guard>
            <div class="status ok" data-testid="enrolled">
                <p class="status-title">{t!("enroll.done.done_this_browser_is_a")}</p>
            </div>
            <p>{t!("enroll.done.you_can_now_confirm_sensitive")}</p>
            <div class="actions">
                <a href=routes::ACCOUNT class="button primary">{t!("enroll.done.go_to_account_security")}</a>
                <a href=routes::HOME class="button secondary">{t!("enroll.done.back_to_home")}</a>
            </div>
        </Guarded>
    }
}
