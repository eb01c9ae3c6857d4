use crate::i18n::t;
use leptos::prelude::*;

use crate::components::PageHeading;

/// In place of every screen when the browser cannot hold a device key: no request could
/// be signed, so saying why at once beats a form that fails on submit.
#[component]
pub fn Unsupported() -> impl IntoView {
    view! {
        <section class="card">
            <PageHeading title=t!("unsupported.this_browser_cannot_be_used")/>
            <p>{t!("messages.no_device_key")}</p>
        </section>
    }
}
