//! The Enrollment Portal: a Leptos single-page app that enrolls this browser as
//! a strong-authentication device and manages the account's security.
//!
//! `App` holds the route table; data access is in [`api`]; the step decision in
//! [`flow`] is plain Rust; each screen is one file under `pages/`.

pub mod api;
pub mod components;
pub mod device;
pub mod embed;
pub mod flow;
pub mod i18n;
pub mod messages;
pub mod pages;
pub mod routes;
pub mod state;

use crate::i18n::t;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::StaticSegment;

use crate::components::DemoPhone;
use crate::pages::{account, enroll, Home, NotFound, RequireSignIn, SignIn};
use crate::routes::segment as seg;
use crate::state::{Auth, Config, Flow, Lang};

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::new();
    let config = Config(RwSignal::new(None));
    provide_context(auth);
    provide_context(config);
    provide_context(Flow::new());
    let initial = i18n::initial();
    i18n::apply(initial, false);
    let lang = Lang(RwSignal::new(initial));
    provide_context(lang);

    // The session cookie survives a reload; ask the server who we are.
    leptos::task::spawn_local(async move {
        let (session, portal_config) =
            futures::future::join(api::current_session(), api::config()).await;
        let login = session.ok().flatten();
        let embedded = embed::is_embedded();
        if let Ok(portal_config) = portal_config {
            if embedded {
                embed::start(portal_config.frame_ancestors.clone(), move |command| {
                    on_host_command(command, auth, lang)
                });
            }
            config.0.set(Some(portal_config));
        }
        let signed_in = login.is_some();
        auth.login.set(login);
        if !signed_in && embedded {
            // Embedded, the host hands over its session right after `ready`:
            // wait for it briefly rather than flash the sign-in screen.
            gloo_timers::future::sleep(std::time::Duration::from_millis(EMBED_SESSION_WAIT_MS))
                .await;
        }
        auth.checked.set(true);
    });

    let embedded = embed::is_embedded();
    if embedded {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.class_list().add_1("embedded");
        }
    }
    // A change of language redraws every screen in the new language.
    move || {
        let _ = lang.0.get();
        view! {
        <Router>
            <a class="skip-link" href="#main">{t("lib.skip_to_content")}</a>
            {(!embedded).then(|| view! { <Header/> })}
            <EmbedBridge/>
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
}

const EMBED_SESSION_WAIT_MS: u64 = 2_000;

/// What the host page asks, once `embed` checked its origin and content.
fn on_host_command(command: wire::embed::HostCommand, auth: Auth, lang: Lang) {
    use wire::embed::HostCommand;
    match command {
        HostCommand::Session { token } => {
            api::set_token(Some(token));
            leptos::task::spawn_local(async move {
                let login = api::current_session().await.ok().flatten();
                if login.is_none() {
                    api::set_token(None);
                }
                auth.login.set(login);
                auth.checked.set(true);
            });
        }
        HostCommand::Locale { locale } => {
            // The host knows its customer's language best; not saved, since
            // it is the host's choice, not this browser's.
            if let Some(locale) = i18n::Locale::parse(&locale) {
                lang.set(locale, false);
            }
        }
        HostCommand::Theme { properties } => embed::apply_theme(&properties),
    }
}

/// Tells the host each screen the user reaches (a no-op when not embedded).
#[component]
fn EmbedBridge() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let name = location.pathname.get();
        embed::send(wire::embed::PortalEvent::Step { name });
    });
}

/// Standalone only (embedded, the host says the language).
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let lang = state::use_lang();
    view! {
        <label class="visually-hidden" for="language">{t("lib.language")}</label>
        <select
            id="language"
            class="language"
            on:change=move |ev| {
                if let Some(locale) = i18n::Locale::parse(&event_target_value(&ev)) {
                    lang.set(locale, true);
                }
            }
        >
            {i18n::Locale::ALL
                .into_iter()
                .map(|locale| {
                    view! {
                        <option value=locale.tag() lang=locale.tag() selected=lang.0.get_untracked() == locale>
                            {locale.name()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// The portal's own header: name, who is signed in, sign-out.
#[component]
fn Header() -> impl IntoView {
    let auth = state::use_auth();
    let flow = state::use_flow();
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            // Signing out locally even if the server is unreachable: the user
            // asked to leave, and the token is gone from memory either way.
            let _ = api::sign_out().await;
            flow.set_enrollment_state(None);
            auth.login.set(None);
            embed::send(wire::embed::PortalEvent::SignedOut);
            navigate(routes::SIGN_IN, Default::default());
        }
    });
    view! {
        <header class="site-header">
            <A href=routes::HOME attr:class="brand">{t("lib.enrollment_portal")}</A>
            <LanguageSwitcher/>
            <Show when=move || auth.login.get().is_some()>
                <nav aria-label=t("lib.main")>
                    <A href=routes::ACCOUNT>{t("lib.account_security")}</A>
                </nav>
                <span class="login" data-testid="login">{move || auth.login.get()}</span>
                <button type="button" class="secondary" disabled=move || sign_out.pending().get() on:click=move |_| { sign_out.dispatch(()); }>
                    {t("lib.sign_out")}
                </button>
            </Show>
        </header>
    }
}
