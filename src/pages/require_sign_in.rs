use crate::i18n::t;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::routes;
use crate::state::use_auth;

/// Shows its children to a signed-in user; sends anyone else to sign in, with
/// `next` set so they come back to this very page afterwards.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    move || {
        if !auth.checked.get() {
            return view! { <p class="loading" role="status">{t("require_sign_in.loading")}</p> }
                .into_any();
        }
        if auth.login.get().is_none() {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            return view! { <Redirect path=routes::sign_in_then(&here)/> }.into_any();
        }
        children().into_any()
    }
}
