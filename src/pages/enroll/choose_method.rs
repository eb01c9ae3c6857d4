use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::FlowStepper;
use crate::components::{use_step_guard, Guarded, PageHeading};
use crate::flow::{Method, Step};
use crate::state::use_flow;

/// Step 3 without a number: shortcut (default) or full method.
#[component]
pub fn ChooseMethod() -> impl IntoView {
    let guard = use_step_guard(Step::ChooseMethod);
    let flow = use_flow();
    let navigate = use_navigate();
    let choice = RwSignal::new(flow.method.get_untracked().unwrap_or(Method::Shortcut));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let method = choice.get_untracked();
        flow.method.set(Some(method));
        let next = if method == Method::Shortcut {
            Step::Shortcut
        } else {
            Step::RegisterPhone
        };
        navigate(next.path(), Default::default());
    };
    view! {
        <FlowStepper step=Step::ChooseMethod/>
        <PageHeading title="Add a trusted phone number"/>
        <Guarded state=guard>
            <p>"Your account has no trusted phone number yet. It receives the codes that protect your account."</p>
            <form on:submit=on_submit.clone()>
                <fieldset>
                    <legend>"How do you want to continue?"</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="method"
                            value="shortcut"
                            prop:checked=move || choice.get() == Method::Shortcut
                            on:change=move |_| choice.set(Method::Shortcut)
                        />
                        <span>
                            <strong>"Quick enrollment (recommended)"</strong>
                            <span class="hint">"Phone number, code and PIN on one screen: one SMS."</span>
                        </span>
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="method"
                            value="full"
                            prop:checked=move || choice.get() == Method::Full
                            on:change=move |_| choice.set(Method::Full)
                        />
                        <span>
                            <strong>"Step by step"</strong>
                            <span class="hint">"Register the number first, then enroll this browser: two SMS."</span>
                        </span>
                    </label>
                </fieldset>
                <button type="submit" class="primary">"Continue"</button>
            </form>
        </Guarded>
    }
}
