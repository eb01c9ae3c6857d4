use crate::i18n::t;
use crate::router::{use_location, use_navigate};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{ErrorArea, PageHeading, SubmitButton};
use crate::messages::{error_text, problem_text};
use crate::routes;
use crate::state::use_auth;
use crate::task::Task;

/// Basic authentication: email and password, then back to `?next=`.
#[component]
pub fn SignIn() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let search = use_location().search;
    let next = move || {
        routes::safe_next(
            search
                .with_untracked(|s| routes::query_param(s, "next"))
                .as_deref(),
        )
    };

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);

    // Already signed in (a reload, the back button): no second sign-in.
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if auth.checked.get() && auth.login.get().is_some() {
                navigate(&next(), crate::router::NavigateOptions { replace: true });
            }
        }
    });

    let submit = Task::new(move |(email, password): (String, String)| async move {
        match api::sign_in(email, password).await {
            // Step 6's answer is kept: signing in again after the session
            // expired mid-flow returns to the same PIN screen. (Were it
            // another account's, its ticket would not exist and the
            // server's 2305 sends the user back to the code step.)
            Ok(created) => auth.login.set(Some(created.login)),
            Err(ApiError::SessionExpired) => {
                form_error.set(Some(t!("sign_in.the_email_or_the_password")))
            }
            // Not a PIN lockout: 100 wrong passwords in a row lock the sign-in itself.
            Err(error) if error.code() == Some(wire::ErrorCode::AccountBlocked) => {
                form_error.set(Some(t!("sign_in.locked")))
            }
            // 2391: the wait after repeated wrong passwords, in plain words with its length.
            Err(error) => form_error.set(Some(error_text(&error))),
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submit.pending().get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = email.get_untracked().trim().to_string();
        if let Err(problem) = wire::validate::email(&typed) {
            email_error.set(Some(problem_text(problem)));
            crate::components::focus_first_invalid();
            return;
        }
        email_error.set(None);
        if password.get_untracked().is_empty() {
            form_error.set(Some(t!("sign_in.enter_your_password")));
            return;
        }
        submit.dispatch((typed, password.get_untracked()));
        // The password is not kept beyond the request.
        password.set(String::new());
    };

    view! {
        <section class="card narrow">
            <PageHeading title=t!("sign_in.sign_in")/>
            <p>{t!("sign_in.sign_in_with_your_customer")}</p>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="email">{t!("sign_in.email")}</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        required
                        aria-invalid=move || email_error.with(Option::is_some).to_string()
                        aria-describedby="email-error"
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                    <p class="field-error" id="email-error">{move || email_error.get()}</p>
                </div>
                <div class="field">
                    <label for="password">{t!("sign_in.password")}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </div>
                <ErrorArea message=form_error/>
                <SubmitButton label=t!("sign_in.sign_in") busy=submit.pending() busy_label=t!("sign_in.signing_in")/>
            </form>
        </section>
    }
}
