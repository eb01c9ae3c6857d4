use leptos::prelude::*;
use leptos_router::components::A;

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
        <PageHeading title="This browser is enrolled"/>
        <Guarded state=guard>
            <div class="status ok" data-testid="enrolled">
                <p class="status-title">"Done: this browser is a strong-authentication device of your account."</p>
            </div>
            <p>"You can now confirm sensitive operations with your PIN, change your PIN or phone number, and manage your vehicles."</p>
            <div class="actions">
                <A href=routes::ACCOUNT attr:class="button primary">"Go to account security"</A>
                <A href=routes::HOME attr:class="button secondary">"Back to home"</A>
            </div>
        </Guarded>
    }
}
