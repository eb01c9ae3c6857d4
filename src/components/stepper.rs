use crate::i18n::{t, tf};
use leptos::prelude::*;

use crate::flow::StepperItem;

fn item_label(item: StepperItem) -> String {
    match item {
        StepperItem::Method => t!("stepper.method"),
        StepperItem::PhoneNumber => t!("stepper.phone_number"),
        StepperItem::VerifyPhone => t!("stepper.verify_phone"),
        StepperItem::CodeAndPin => t!("stepper.code_and_pin"),
        StepperItem::EnrollmentCode => t!("stepper.sms_code"),
        StepperItem::Pin => t!("stepper.pin"),
        StepperItem::Done => t!("stepper.done"),
    }
}

/// Where the user is in the chosen method: an ordered list, the current item
/// marked with `aria-current="step"`.
#[component]
pub fn Stepper(#[prop(into)] items: Signal<(Vec<StepperItem>, usize)>) -> impl IntoView {
    view! {
        <nav class="stepper" aria-label=t!("stepper.progress")>
            <ol>
                {move || {
                    let (items, current) = items.get();
                    let total = items.len();
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(index, item)| {
                            let state = if index < current {
                                "done"
                            } else if index == current {
                                "current"
                            } else {
                                "todo"
                            };
                            view! {
                                <li class=state aria-current=(index == current).then_some("step")>
                                    <span class="stepper-number" aria-hidden="true">{index + 1}</span>
                                    <span class="stepper-label">{item_label(item)}</span>
                                    <span class="visually-hidden">
                                        {tf!(
                                            "stepper.step_of",
                                            &[("n", &(index + 1).to_string()), ("total", &total.to_string())],
                                        )}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </nav>
    }
}
