use crate::i18n::{t, tn};
use leptos::prelude::*;

use crate::flow::{self, Standing};

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
                Some(Ok((probe, masked_phone, devices))) => {
                    let enrolled = probe.device_activated;
                    let standing = flow::standing(probe);
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
                            <li data-testid="standing">
                                {match standing {
                                    Standing::Open => t!("home.account_not_blocked"),
                                    Standing::PinBlocked => t!("home.pin_blocked"),
                                    // The limit is the server's setting, the count its answer.
                                    Standing::DeviceLimit => tn!("plural.devices_at_limit", u64::from(devices)),
                                    Standing::Blocked => t!("enroll.blocked.your_account_is_blocked"),
                                }}
                            </li>
                        </ul>
                        <div class="actions">
                            {match standing {
                                Standing::Open => (!enrolled).then(|| view! { <a href=routes::ENROLL class="button primary">{t!("account.hub.enroll_this_browser")}</a> }.into_any()),
                                Standing::DeviceLimit => Some(view! { <a href=routes::DEVICES class="button primary">{t!("home.choose_a_device_to_remove")}</a> }.into_any()),
                                Standing::PinBlocked | Standing::Blocked => Some(view! { <a href=routes::ACCOUNT_REMOVE_ENROLLMENTS class="button primary">{t!("account.hub.remove_all_enrollments")}</a> }.into_any()),
                            }}
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
