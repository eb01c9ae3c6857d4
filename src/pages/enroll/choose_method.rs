use crate::i18n::t;
use crate::router::use_navigate;
use leptos::prelude::*;

use super::FlowStepper;
use crate::components::{use_step_guard, GuardState, Guarded, PageHeading};
use crate::flow::{Method, Step};
use crate::state::{use_flow, FreshProbe};

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
        // Choosing a method changes nothing on the server: the next step can
        // trust what this one read.
        if let GuardState::Ready {
            probe,
            masked_phone,
        } = guard.get_untracked()
        {
            flow.fresh_probe.set(Some(FreshProbe {
                step: next,
                probe,
                masked_phone,
            }));
        }
        navigate(next.path(), Default::default());
    };
    view! {
        <FlowStepper step=Step::ChooseMethod/>
        <PageHeading title=t!("enroll.choose_method.add_a_trusted_phone_number")/>
        <Guarded state=guard>
            <p>{t!("enroll.choose_method.your_account_has_no_trusted")}</p>
            <form on:submit=on_submit.clone()>
                <fieldset>
                    <legend>{t!("enroll.choose_method.how_do_you_want_to")}</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="method"
                            value="shortcut"
                            prop:checked=move || choice.get() == Method::Shortcut
                            on:change=move |_| choice.set(Method::Shortcut)
                        />
                        <span>
                            <strong>{t!("enroll.choose_method.quick_enrollment_recommended")}</strong>
                            <span class="hint">{t!("enroll.choose_method.phone_number_code_and_pin")}</span>
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
                            <strong>{t!("enroll.choose_method.step_by_step")}</strong>
                            <span class="hint">{t!("enroll.choose_method.register_the_number_first_then")}</span>
                        </span>
                    </label>
                </fieldset>
                <button type="submit" class="primary">{t!("enroll.choose_method.continue")}</button>
            </form>
        </Guarded>
    }
}
