//! The Enrollment Portal: a Leptos single-page app that enrolls this browser as
//! a strong-authentication device and manages the account's security.
//!
//! `App` holds the route table; data access is in [`api`]; the step decision in
//! [`flow`] is plain Rust; each screen is one file under `pages/`.

pub mod api;
pub mod components;
pub mod device;
pub mod flow;
pub mod messages;
pub mod pages;
pub mod routes;
pub mod state;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::StaticSegment;

use crate::components::DemoPhone;
use crate::pages::{account, enroll, Home, NotFound, RequireSignIn, SignIn};
use crate::routes::segment as seg;
use crate::state::{Auth, Config, Flow};

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::new();
    let config = Config(RwSignal::new(None));
    provide_context(auth);
    provide_context(config);
    provide_context(Flow::new());

    // The session cookie survives a reload; ask the server who we are.
    leptos::task::spawn_local(async move {
        let (session, portal_config) =
            futures::future::join(api::current_session(), api::config()).await;
        if let Ok(portal_config) = portal_config {
            config.0.set(Some(portal_config));
        }
        auth.login.set(session.ok().flatten());
        auth.checked.set(true);
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment(seg::SIGN_IN) view=SignIn/>
                    <Route path=StaticSegment("") view=|| view! { <RequireSignIn><Home/></RequireSignIn> }/>
                    <ParentRoute path=StaticSegment(seg::ENROLL) view=enroll::EnrollLayout>
                        <Route path=(StaticSegment(seg::PHONE), StaticSegment(seg::SHORTCUT)) view=enroll::Shortcut/>
                        <Route path=(StaticSegment(seg::PHONE), StaticSegment(seg::REGISTER)) view=enroll::RegisterPhone/>
                        <Route path=StaticSegment(seg::PHONE) view=enroll::ChooseMethod/>
                        <Route path=StaticSegment(seg::SMS) view=enroll::EnrollmentCode/>
                        <Route path=(StaticSegment(seg::PIN), StaticSegment(seg::NEW)) view=enroll::NewPin/>
                        <Route path=StaticSegment(seg::PIN) view=enroll::EnterPin/>
                        <Route path=StaticSegment(seg::DONE) view=enroll::Done/>
                        <Route path=StaticSegment(seg::BLOCKED) view=enroll::Blocked/>
                        <Route path=StaticSegment("") view=enroll::Probe/>
                    </ParentRoute>
                    <ParentRoute path=StaticSegment(seg::ACCOUNT) view=account::AccountLayout>
                        <Route path=(StaticSegment(seg::ENROLLMENTS), StaticSegment(seg::REMOVE)) view=account::RemoveEnrollments/>
                        <Route path=(StaticSegment(seg::PIN), StaticSegment(seg::RESET)) view=account::PinReset/>
                        <Route path=(StaticSegment(seg::PIN), StaticSegment(seg::UPDATE)) view=account::PinUpdate/>
                        <Route path=StaticSegment(seg::PHONE) view=account::ChangePhone/>
                        <Route path=StaticSegment(seg::VEHICLES) view=account::Vehicles/>
                        <Route path=StaticSegment("") view=account::Hub/>
                    </ParentRoute>
                </Routes>
            </main>
            <DemoPhone/>
        </Router>
    }
}

/// The portal's own header: name, who is signed in, sign-out.
#[component]
fn Header() -> impl IntoView {
    let auth = state::use_auth();
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            // Signing out locally even if the server is unreachable: the user
            // asked to leave, and the token is gone from memory either way.
            let _ = api::sign_out().await;
            auth.login.set(None);
            navigate(routes::SIGN_IN, Default::default());
        }
    });
    view! {
        <header class="site-header">
            <A href=routes::HOME attr:class="brand">"Enrollment Portal"</A>
            <Show when=move || auth.login.get().is_some()>
                <nav aria-label="Main">
                    <A href=routes::ACCOUNT>"Account security"</A>
                </nav>
                <span class="login" data-testid="login">{move || auth.login.get()}</span>
                <button type="button" class="secondary" disabled=move || sign_out.pending().get() on:click=move |_| { sign_out.dispatch(()); }>
                    "Sign out"
                </button>
            </Show>
        </header>
    }
}
