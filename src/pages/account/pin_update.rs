use crate::i18n::t;
use leptos::prelude::*;
use wire::api::{Discriminator, PinRequest};
use wire::validate;

use super::{account_error, WayOut};
use crate::api::{self, ApiError};
use crate::components::{focus_first_invalid, ErrorArea, PageHeading, PinInput, SubmitButton};
use crate::messages::problem_text;
use crate::pages::enroll::pin_hint;
use crate::state::{use_auth, use_config};

/// Step C: change the PIN with the current one. A wrong current PIN counts
/// toward the lockout, like everywhere else.
#[component]
pub fn PinUpdate() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let old = RwSignal::new(String::new());
    let old_error = RwSignal::new(None::<String>);
    let new = RwSignal::new(String::new());
    let new_error = RwSignal::new(None::<String>);
    let confirmation = RwSignal::new(String::new());
    let confirmation_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let last_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);

    let update = Action::new_local(move |(old, new): &(String, String)| {
        let body = PinRequest {
            discriminator: Discriminator::action("update"),
            old_pin: Some(old.clone()),
            new_pin: Some(new.clone()),
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
        let new_problem = validate::pin(&new.get_untracked(), length).err();
        let same = new_problem.is_none()
            && old_problem.is_none()
            && new.get_untracked() == old.get_untracked();
        let confirmation_problem = (new_problem.is_none()
            && confirmation.get_untracked() != new.get_untracked())
        .then_some(validate::Problem::PinMismatch);
        old_error.set(old_problem.map(problem_text));
        new_error.set(if same {
            Some(t("messages.your_new_pin_must_be"))
        } else {
            new_problem.map(problem_text)
        });
        confirmation_error.set(confirmation_problem.map(problem_text));
        if old_problem.is_some() || new_problem.is_some() || same || confirmation_problem.is_some()
        {
            focus_first_invalid();
            return;
        }
        update.dispatch((old.get_untracked(), new.get_untracked()));
        old.set(String::new());
        new.set(String::new());
        confirmation.set(String::new());
    };
    view! {
        <PageHeading title=t("account.pin_update.change_your_pin")/>
        <Show when=move || !done.get() fallback=|| view! {
            <div class="status ok" role="status" data-testid="success">{t("account.pin_update.your_pin_has_been_changed")}</div>
        }>
            <form on:submit=on_submit novalidate>
                <PinInput id="old-pin" label=t("account.pin_update.current_pin") value=old length=Signal::derive(move || config.pin_length()) error=old_error autocomplete="current-password"/>
                <PinInput
                    id="new-pin"
                    label=t("account.pin_reset.new_pin")
                    value=new
                    length=Signal::derive(move || config.pin_length())
                    error=new_error
                    autocomplete="new-password"
                    hint=pin_hint(config.pin_length())
                />
                <PinInput id="confirm-pin" label=t("account.pin_reset.type_the_new_pin_again") value=confirmation length=Signal::derive(move || config.pin_length()) error=confirmation_error autocomplete="new-password"/>
                <ErrorArea message=form_error/>
                <WayOut error=last_error/>
                <SubmitButton label=t("account.pin_update.change_my_pin") busy=update.pending() busy_label=t("account.pin_reset.saving")/>
            </form>
        </Show>
    }
}
