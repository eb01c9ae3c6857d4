use leptos::prelude::*;

use crate::flow::StepperItem;

fn item_label(item: StepperItem) -> &'static str {
    match item {
        StepperItem::Method => "Method",
        StepperItem::PhoneNumber => "Phone number",
        StepperItem::VerifyPhone => "Verify phone",
        StepperItem::CodeAndPin => "Code and PIN",
        StepperItem::EnrollmentCode => "SMS code",
        StepperItem::Pin => "PIN",
        StepperItem::Done => "Done",
    }
}

/// Where the user is in the chosen method: an ordered list, the current item
/// marked with `aria-current="step"`.
#[component]
pub fn Stepper(#[prop(into)] items: Signal<(Vec<StepperItem>, usize)>) -> impl IntoView {
    view! {
        <nav class="stepper" aria-label="Progress">
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
                                        {format!(" (step {} of {total})", index + 1)}
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
