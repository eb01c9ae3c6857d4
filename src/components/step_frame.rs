use crate::i18n::{t, tf};
use crate::router::use_navigate;
use crate::router::NavigateOptions;
use leptos::html;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::flow::{self, Probe, Step};
use crate::messages::error_text;
use crate::state::{use_auth, use_flow, FreshProbe};

/// The server facts a step screen depends on.
#[derive(Clone, Debug, PartialEq)]
pub enum GuardState {
    Checking,
    Ready {
        probe: Probe,
        masked_phone: Option<String>,
    },
    Failed(ApiError),
}

/// Steps 1-3 in one read (the server's combined answer of the three SDK calls), and the
/// number of devices enrolled.
pub async fn probe() -> Result<(Probe, Option<String>, u32), ApiError> {
    let status = api::status().await?;
    let probe = Probe {
        device_activated: status.is_device_activated,
        block: wire::api::BlockState::parse(&status.is_account_blocked),
        has_phone: status.phone_number.is_some(),
    };
    Ok((probe, status.masked_phone_number, status.enrolled_devices))
}

/// Re-reads the server state on entering `step` (directly, after a reload or
/// with the back button) and redirects when the server would refuse the step.
pub fn use_step_guard(step: Step) -> RwSignal<GuardState> {
    let state = RwSignal::new(GuardState::Checking);
    let navigate = use_navigate();
    let auth = use_auth();
    let flow = use_flow();
    let decide = move |probe: Probe, masked_phone: Option<String>| {
        if flow.had_phone.get_untracked().is_none() {
            flow.had_phone.set(Some(probe.has_phone));
        }
        let redirect = flow::guard(step, probe)
            .or_else(|| flow::pin_screen_guard(step, flow.enrollment_state.get_untracked()));
        match redirect {
            Some(other) => {
                // Nothing changed on the server: the step sent to can use these answers.
                flow.fresh_probe.set(Some(FreshProbe {
                    step: other,
                    probe,
                    masked_phone,
                }));
                navigate(other.path(), NavigateOptions { replace: true })
            }
            None => state.set(GuardState::Ready {
                probe,
                masked_phone,
            }),
        }
    };
    // The screen before this one may have just read the same answers.
    if let Some(fresh) = flow.take_fresh_probe(step) {
        decide(fresh.probe, fresh.masked_phone);
        return state;
    }
    leptos::task::spawn_local(async move {
        match probe().await {
            Ok((probe, masked_phone, _)) => decide(probe, masked_phone),
            Err(error) => {
                auth.notice(&error);
                state.set(GuardState::Failed(error));
            }
        }
    });
    state
}

/// Shows `children` once the guard let the step through; a spinner before, and
/// the error with a retry button when the check failed.
#[component]
pub fn Guarded(state: RwSignal<GuardState>, children: ChildrenFn) -> impl IntoView {
    move || {
        match state.get() {
        GuardState::Checking => {
            view! { <p class="loading" role="status">{t!("step_frame.checking_your_account")}</p> }.into_any()
        }
        GuardState::Failed(error) => view! {
            <div class="form-error" role="alert">{error_text(&error)}</div>
            <button type="button" class="secondary" on:click=move |_| reload()>{t!("form.try_again")}</button>
        }
        .into_any(),
        GuardState::Ready { .. } => children().into_any(),
    }
    }
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// The screen's heading. Focus moves to it on every step change so keyboard
/// and screen-reader users start reading at the new step; the document title
/// follows it.
#[component]
pub fn PageHeading(#[prop(into)] title: String) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&tf!("lib.document_title", &[("title", &title)]));
    }
    // In the next frame rather than now: focusing needs the layout, which forced in the
    // task that draws the screen would make that task longer by the whole page's layout.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            request_animation_frame(move || {
                let _ = heading.focus();
            });
        }
    });
    view! { <h1 node_ref=heading tabindex="-1">{title}</h1> }
}
