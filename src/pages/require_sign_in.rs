use crate::i18n::t;
use crate::router::use_location;
use crate::router::Redirect;
use leptos::prelude::*;

use crate::routes;
use crate::state::use_auth;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Checking,
    SignedIn,
    SignedOut,
}

/// Shows its children to a signed-in user; sends anyone else to sign in, with
/// `next` set so they come back to this very page afterwards.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    // Only a change of state redraws the screen: a session handed over again,
    // or the start-up confirming what is already known, must not throw away
    // what the user is typing.
    let state = Memo::new(
        move |_| match (auth.checked.get(), auth.login.with(Option::is_some)) {
            (false, false) => Access::Checking,
            (_, true) => Access::SignedIn,
            (true, false) => Access::SignedOut,
        },
    );
    move || {
        if state.get() == Access::Checking {
            return view! { <p class="loading" role="status">{t!("require_sign_in.loading")}</p> }
                .into_any();
        }
        if state.get() == Access::SignedOut {
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
