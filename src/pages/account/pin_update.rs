use crate::i18n::t;
use leptos::prelude::*;
use wire::api::{Discriminator, PinRequest};
use wire::validate;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{
    focus_first_invalid, ErrorArea, NewPin, NewPinFields, PageHeading, PinInput, Show, SubmitButton,
};
use crate::messages::problem_text;
use crate::state::{use_auth, use_config};
use crate::task::Task;

/// Step C: change the PIN with the current one. A wrong current PIN counts
/// toward the lockout, like everywhere else.
#[component]
pub fn PinUpdate() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let old = RwSignal::new(String::new());
    let old_error = RwSignal::new(None::<String>);
    let new_pin = NewPin::new();
    let form_error = RwSignal::new(None::<String>);
    let last_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);

    let update = Task::new(move |(old, new): (String, String)| {
        let body = PinRequest {
            discriminator: Discriminator::action("update"),
            old_pin: Some(old),
            new_pin: Some(new),
            ..Default::default()
        };
        async move {
            match api::pin_code(body).await {
                Ok(()) => {
                    super::completed("pinUpdated");
                    done.set(true);
                }
                Err(error) => {
                    form_error.set(Some(account_error(&error, auth)));
                    last_error.set(Some(error));
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if update.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        last_error.set(None);
        let length = config.pin_length();
        let old_problem = validate::pin_format(&old.get_untracked(), length).err();
        old_error.set(old_problem.map(problem_text));
        let new = new_pin.check(length);
        let same = new.as_ref().is_some_and(|new| *new == old.get_untracked());
        if same {
            new_pin
                .pin_error
                .set(Some(t!("messages.your_new_pin_must_be")));
        }
        let (None, Some(new), false) = (old_problem, new, same) else {
            focus_first_invalid();
            return;
        };
        update.dispatch((old.get_untracked(), new));
        old.set(String::new());
        new_pin.clear();
    };
    view! {
        <PageHeading title=t!("account.pin_update.change_your_pin")/>
        <Show when=move || !done.get() fallback=|| view! {
            <div class="status ok" role="status" data-testid="success">{t!("account.pin_update.your_pin_has_been_changed")}</div>
        }>
            <form on:submit=on_submit novalidate>
                <PinInput id="old-pin" label=t!("account.pin_update.current_pin") value=old length=Signal::derive(move || config.pin_length()) error=old_error autocomplete="current-password"/>
                <NewPinFields
                    fields=new_pin
                    label=t!("account.pin_reset.new_pin")
                    confirm_label=t!("account.pin_reset.type_the_new_pin_again")
                />
                <ErrorArea message=form_error/>
                <WayOut error=last_error/>
                <SubmitButton label=t!("account.pin_update.change_my_pin") busy=update.pending() busy_label=t!("account.pin_reset.saving")/>
            </form>
        </Show>
    }
}
