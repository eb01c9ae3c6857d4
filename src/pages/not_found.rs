use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::PageHeading;
use crate::routes;

/// Any route the portal does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <PageHeading title="Page not found"/>
            <p>"This address does not match any page of the portal."</p>
            <A href=routes::HOME>"Go to the home page"</A>
        </section>
    }
}
