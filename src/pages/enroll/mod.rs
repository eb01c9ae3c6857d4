//! The enrollment flow, steps 1 to 8: one screen per step.

mod blocked;
mod choose_method;
mod done;
mod enrollment_code;
mod enter_pin;
mod new_pin;
mod probe;
mod register_phone;
mod shortcut;

pub use blocked::Blocked;
pub use choose_method::ChooseMethod;
pub use done::Done;
pub use enrollment_code::EnrollmentCode;
pub use enter_pin::EnterPin;
pub use new_pin::NewPin;
pub use probe::Probe;
pub use register_phone::RegisterPhone;
pub use shortcut::Shortcut;

use crate::router::NavigateOptions;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::Stepper;
use crate::flow::{self, Reaction, Step};
use crate::messages::error_text;
use crate::pages::RequireSignIn;
use crate::routes;
use crate::state::{use_flow, Auth};
use crate::task::Task;

/// `/enroll/*`: signed-in users only.
#[component]
pub fn EnrollLayout(children: ChildrenFn) -> impl IntoView {
    view! {
        <RequireSignIn>
            <section class="card flow">
                {children()}
            </section>
        </RequireSignIn>
    }
}

/// The stepper for `step` in the method the user is following.
#[component]
pub fn FlowStepper(step: Step, #[prop(optional)] sub_step: Option<Signal<bool>>) -> impl IntoView {
    let flow = use_flow();
    let items = Signal::derive(move || {
        let (items, mut index) = flow::stepper(
            step,
            flow.method.get(),
            flow.had_phone.get().unwrap_or(false),
        );
        // Register phone has two stages on one screen: number, then its code.
        if sub_step.is_some_and(|s| s.get()) && index + 1 < items.len() {
            index += 1;
        }
        (items, index)
    });
    view! { <Stepper items=items/> }
}

/// Steps 7 and 8 end the same way: `enroll` with the PIN (set or checked by
/// the server, with this device's enrollment ticket), then the success screen.
pub fn use_enroll_action(step: Step, form_error: RwSignal<Option<String>>) -> Task<String> {
    let auth = crate::state::use_auth();
    let flow = use_flow();
    let navigate = crate::router::use_navigate();
    Task::new(move |pin: String| {
        let body = wire::api::EnrollmentRequest {
            discriminator: wire::api::Discriminator::action("enroll"),
            pin_code: Some(pin),
            ..Default::default()
        };
        let navigate = navigate.clone();
        async move {
            match crate::api::enrollment(body).await {
                Ok(()) => to_done(flow, &navigate),
                Err(error) => form_error.set(react(step, &error, auth, &navigate)),
            }
        }
    })
}

/// After a successful enrollment: the success screen, given what the server now answers
/// to steps 1-3 ([`flow::ENROLLED`]), so that it asks nothing (one round trip to enroll).
pub fn to_done(flow: crate::state::Flow, navigate: &impl Fn(&str, NavigateOptions)) {
    flow.fresh_probe.set(Some(crate::state::FreshProbe {
        step: Step::Done,
        probe: flow::ENROLLED,
        masked_phone: None,
    }));
    navigate(Step::Done.path(), NavigateOptions::default());
}

/// A failed call on `step`: decides with [`flow::on_error`] whether to stay
/// (and returns the sentence to show) or to move on.
pub fn react(
    step: Step,
    error: &ApiError,
    auth: Auth,
    navigate: &impl Fn(&str, NavigateOptions),
) -> Option<String> {
    auth.notice(error);
    let Some(code) = error.code() else {
        return Some(error_text(error));
    };
    let (remaining, pause) = match error {
        ApiError::Api {
            remaining_attempts,
            pause,
            ..
        } => (*remaining_attempts, *pause),
        _ => (None, None),
    };
    if flow::is_pause(code, pause) {
        return Some(error_text(error));
    }
    match flow::on_error(step, code, remaining) {
        Reaction::Stay => Some(error_text(error)),
        Reaction::SignIn => None,
        Reaction::GoTo(next) => {
            navigate(next.path(), NavigateOptions::default());
            None
        }
        Reaction::Restart => {
            navigate(routes::ENROLL, NavigateOptions::default());
            None
        }
    }
}
