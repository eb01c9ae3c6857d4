use crate::i18n::t;
use crate::router::use_navigate;
use crate::router::NavigateOptions;
use leptos::prelude::*;

use crate::components::{step_probe, PageHeading, Show};
use crate::flow;
use crate::messages::error_text;
use crate::state::{use_auth, use_flow, FreshProbe};

/// `/enroll`: steps 1-3 asked in one read, then straight to the step they call for.
#[component]
pub fn Probe() -> impl IntoView {
    let navigate = use_navigate();
    let auth = use_auth();
    let flow = use_flow();
    let error = RwSignal::new(None::<String>);
    let run = move || {
        let navigate = navigate.clone();
        error.set(None);
        leptos::task::spawn_local(async move {
            match step_probe().await {
                Ok((probe, masked_phone, _)) => {
                    flow.had_phone.set(Some(probe.has_phone));
                    let next = flow::after_probe(probe, flow.method.get_untracked());
                    flow.fresh_probe.set(Some(FreshProbe {
                        step: next,
                        probe,
                        masked_phone,
                    }));
                    navigate(next.path(), NavigateOptions { replace: true });
                }
                Err(e) => {
                    auth.notice(&e);
                    error.set(Some(error_text(&e)));
                }
            }
        });
    };
    run();
    view! {
        <PageHeading title=t!("account.hub.enroll_this_browser")/>
        <Show
            when=move || error.get().is_some()
            fallback=|| view! { <p class="loading" role="status">{t!("step_frame.checking_your_account")}</p> }
        >
            <div class="form-error" role="alert">{move || error.get()}</div>
            <button type="button" class="secondary" on:click={
                let run = run.clone();
                move |_| run()
            }>{t!("form.try_again")}</button>
        </Show>
    }
}
