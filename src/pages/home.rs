use crate::i18n::t;
use leptos::prelude::*;

use crate::components::{step_probe, PageHeading};
use crate::messages::error_text;
use crate::routes;
use crate::state::use_auth;
use crate::task::Load;

/// Home: is this browser enrolled, the account's security at a glance, and the
/// two ways in (enroll, manage).
#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    let status = Load::new(move || async move {
        let result = step_probe().await;
        if let Err(error) = &result {
            auth.notice(error);
        }
        result
    });
    view! {
        <section class="card">
            <PageHeading title=t!("home.your_security")/>
            {move || match status.get() {
                None => view! { <p class="loading" role="status">{t!("home.checking_this_browser")}</p> }.into_any(),
                Some(Ok((probe, masked_phone))) => {
                    let enrolled = probe.device_activated;
                    view! {
                        <div class="status" class:ok=enrolled data-testid="device-status">
                            <p class="status-title">
                                {if enrolled { t!("home.enrolled") } else { t!("home.not_enrolled") }}
                            </p>
                            <p>
                                {if enrolled {
                                    {t!("home.it_is_a_strong_authentication")}
                                } else {
                                    {t!("home.enroll_it_to_confirm_sensitive")}
                                }}
                            </p>
                        </div>
                        <ul class="summary">
                            <li>
                                {t!("home.trusted_phone")}
                                " "
                                {masked_phone.unwrap_or_else(|| t!("home.none_yet"))}
                            </li>
                            <li>
                                {if probe.block.is_blocked() {
                                    {t!("home.account_blocked_too_many_wrong")}
                                } else {
                                    {t!("home.account_not_blocked")}
                                }}
                            </li>
                        </ul>
                        <div class="actions">
                            {(!enrolled).then(|| view! { <a href=routes::ENROLL class="button primary">{t!("account.hub.enroll_this_browser")}</a> })}
                            <a href=routes::ACCOUNT class="button secondary">{t!("home.manage_account_security")}</a>
                        </div>
                    }
                    .into_any()
                }
                Some(Err(error)) => view! { <div class="form-error" role="alert">{error_text(&error)}</div> }.into_any(),
            }}
        </section>
    }
}
