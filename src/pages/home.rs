use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{step_probe, PageHeading};
use crate::messages::error_text;
use crate::routes;
use crate::state::use_auth;

/// Home: is this browser enrolled, the account's security at a glance, and the
/// two ways in (enroll, manage).
#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    let status = LocalResource::new(move || async move {
        let result = step_probe().await;
        if let Err(error) = &result {
            auth.notice(error);
        }
        result
    });
    view! {
        <section class="card">
            <PageHeading title="Your security"/>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Checking this browser…"</p> }>
                {move || {
                    status
                        .get()
                        .map(|result| match result {
                            Ok((probe, masked_phone)) => {
                                let enrolled = probe.device_activated;
                                view! {
                                    <div class="status" class:ok=enrolled data-testid="device-status">
                                        <p class="status-title">
                                            {if enrolled { "This browser is enrolled" } else { "This browser is not enrolled" }}
                                        </p>
                                        <p>
                                            {if enrolled {
                                                "It is a strong-authentication device of your account."
                                            } else {
                                                "Enroll it to confirm sensitive operations with your PIN."
                                            }}
                                        </p>
                                    </div>
                                    <ul class="summary">
                                        <li>
                                            "Trusted phone: "
                                            {masked_phone.unwrap_or_else(|| "none yet".to_string())}
                                        </li>
                                        <li>
                                            {if probe.block.is_blocked() {
                                                "Account: blocked (too many wrong PINs or device limit reached)"
                                            } else {
                                                "Account: not blocked"
                                            }}
                                        </li>
                                    </ul>
                                    <div class="actions">
                                        {(!enrolled).then(|| view! { <A href=routes::ENROLL attr:class="button primary">"Enroll this browser"</A> })}
                                        <A href=routes::ACCOUNT attr:class="button secondary">"Manage account security"</A>
                                    </div>
                                }
                                .into_any()
                            }
                            Err(error) => view! { <div class="form-error" role="alert">{error_text(&error)}</div> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}
