use crate::i18n::t;
use leptos::prelude::*;

use crate::components::PageHeading;
use crate::routes;

/// Any route the portal does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <PageHeading title=t!("not_found.page_not_found")/>
            <p>{t!("not_found.this_address_does_not_match")}</p>
            <a href=routes::HOME>{t!("not_found.go_to_the_home_page")}</a>
        </section>
    }
}
