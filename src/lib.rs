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
pub mod json;
pub mod messages;
pub mod pages;
pub mod router;
pub mod routes;
pub mod state;
pub mod task;

use crate::i18n::t;
use leptos::prelude::*;

use crate::components::Show;
use crate::pages::{account, enroll, Home, NotFound, RequireSignIn, SignIn, Unsupported};
use crate::routes::{AccountScreen, EnrollScreen, Route, Section};
use crate::state::{Auth, Config, Flow, Lang};

/// Draws a section's screen; each bundle passes its own, so the other
/// bundle's screens are not in its wasm.
pub type Screens = fn(Section, Memo<Route>) -> AnyView;

/// Mounts the app in a task of its own: the wasm's streaming compilation ends in one long
/// task, and the app's first calls (each function compiled on its first call) would make
/// it longer still; two tasks block the page less than one (Lighthouse's TBT).
pub fn start(bundle: routes::Bundle, screens: Screens) {
    console_error_panic_hook::set_once();
    set_timeout(
        move || leptos::mount::mount_to_body(move || view! { <App bundle screens/> }),
        std::time::Duration::ZERO,
    );
}

#[component]
pub fn App(bundle: routes::Bundle, screens: Screens) -> impl IntoView {
    let auth = Auth::new();
    let config = Config(RwSignal::new(None));
    provide_context(auth);
    provide_context(config);
    provide_context(Flow::new());
    // English until the browser's language, when another, has its catalogue. Meanwhile
    // `<html lang>` stays the page's: a shell page (see `shell/`) is in that language.
    let initial = i18n::initial();
    let lang = Lang(RwSignal::new(i18n::Locale::En));
    provide_context(lang);
    let lang_ready = RwSignal::new(initial.is_loaded());
    if initial.is_loaded() {
        i18n::apply(i18n::Locale::En, false);
    } else {
        leptos::task::spawn_local(async move {
            if !lang.switch(initial, false).await {
                i18n::apply(i18n::Locale::En, false);
            }
            lang_ready.set(true);
        });
    }

    let location = router::provide(bundle);
    // The session cookie survives a reload; the config says who it belongs to.
    leptos::task::spawn_local(async move {
        let Ok(key) = device::key().await else {
            // Without a device key no request can be signed: the main page says why
            // (from the account page, a page load: its wasm need not carry that screen).
            router::navigate(
                location,
                routes::UNSUPPORTED,
                router::NavigateOptions { replace: true },
            );
            auth.checked.set(true);
            return;
        };
        let portal_config = api::config().await;
        let login = portal_config.as_ref().ok().and_then(|c| c.login.clone());
        let embedded = embed::is_embedded();
        if let Ok(portal_config) = portal_config {
            if embedded {
                let device_id = key.thumbprint;
                embed::start(
                    portal_config.frame_ancestors.clone(),
                    device_id,
                    move |command| on_host_command(command, auth, lang),
                );
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
    let route = Memo::new(move |_| Route::parse(&location.pathname.get()));
    let section = Memo::new(move |_| route.get().section());
    // A change of language redraws every screen in the new language.
    // Standalone, nothing is drawn before the session check answers, so the header
    // gets its account links and the screen its content in the first paint instead
    // of everything moving down a moment later (Lighthouse's layout shift).
    // Embedded, the host's session may take a while and there is no header.
    // Nor before the screens' language is here, so they do not flash English.
    let ready = move || lang_ready.get() && (embedded || auth.checked.get());
    move || {
        let _ = lang.0.get();
        view! {
            <Show when=ready>
                <a class="skip-link" href="#main">{t!("lib.skip_to_content")}</a>
                {(!embedded).then(|| view! { <Header section/> })}
                <EmbedBridge/>
                // Above the screen, so a step that grows when its answers arrive
                // does not push the panel down.
                {demo_phone()}
                <main id="main">{move || screens(section.get(), route)}</main>
            </Show>
        }
    }
}

/// The demo phone panel, in a demo build only (feature `demo`, see Cargo.toml).
#[cfg(feature = "demo")]
fn demo_phone() -> impl IntoView {
    view! { <crate::components::DemoPhone/> }
}

#[cfg(not(feature = "demo"))]
fn demo_phone() -> impl IntoView {}

/// The screens of `index.html`'s bundle. Moving between the steps of one
/// section redraws only the step inside its card. A section of the other
/// bundle is never reached here (the router loads its page instead), so the
/// not-found screen stands in for it.
pub fn main_screens(section: Section, route: Memo<Route>) -> AnyView {
    // `/sign-in` may come as a shell of its screen (see `shell/`), painted before the
    // wasm: it goes as the app draws its first screen, in the same task, so no frame
    // shows both or neither. Here rather than in `App`: the account page has no shell,
    // and its wasm has no byte of budget to spare.
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("shell"))
    {
        shell.remove();
    }
    match section {
        Section::SignIn => view! { <SignIn/> }.into_any(),
        Section::Unsupported => view! { <Unsupported/> }.into_any(),
        Section::Home => view! { <RequireSignIn><Home/></RequireSignIn> }.into_any(),
        Section::Devices => view! { <RequireSignIn><pages::Devices/></RequireSignIn> }.into_any(),
        Section::Enroll => {
            let step = Memo::new(move |_| match route.get() {
                Route::Enroll(step) => Some(step),
                _ => None,
            });
            view! { <enroll::EnrollLayout>{move || step.get().map(enroll_step)}</enroll::EnrollLayout> }
                .into_any()
        }
        Section::Account | Section::NotFound => view! { <NotFound/> }.into_any(),
    }
}

/// The screens of `account.html`'s bundle: account management, and not
/// found for an unknown path below `/account`.
pub fn account_screens(section: Section, route: Memo<Route>) -> AnyView {
    match section {
        Section::Account => {
            let step = Memo::new(move |_| match route.get() {
                Route::Account(step) => Some(step),
                _ => None,
            });
            view! { <account::AccountLayout>{move || step.get().map(account_step)}</account::AccountLayout> }
                .into_any()
        }
        _ => view! { <NotFound/> }.into_any(),
    }
}

fn enroll_step(step: EnrollScreen) -> AnyView {
    use EnrollScreen::*;
    match step {
        Probe => view! { <enroll::Probe/> }.into_any(),
        ChooseMethod => view! { <enroll::ChooseMethod/> }.into_any(),
        Shortcut => view! { <enroll::Shortcut/> }.into_any(),
        RegisterPhone => view! { <enroll::RegisterPhone/> }.into_any(),
        Code => view! { <enroll::EnrollmentCode/> }.into_any(),
        NewPin => view! { <enroll::NewPin/> }.into_any(),
        EnterPin => view! { <enroll::EnterPin/> }.into_any(),
        Done => view! { <enroll::Done/> }.into_any(),
        Blocked => view! { <enroll::Blocked/> }.into_any(),
    }
}

fn account_step(step: AccountScreen) -> AnyView {
    use AccountScreen::*;
    match step {
        Hub => view! { <account::Hub/> }.into_any(),
        RemoveEnrollments => view! { <account::RemoveEnrollments/> }.into_any(),
        PinReset => view! { <account::PinReset/> }.into_any(),
        PinUpdate => view! { <account::PinUpdate/> }.into_any(),
        Phone => view! { <account::ChangePhone/> }.into_any(),
        Vehicles => view! { <account::Vehicles/> }.into_any(),
    }
}

const EMBED_SESSION_WAIT_MS: u64 = 2_000;

/// What the host page asks, once `embed` checked its origin and content.
fn on_host_command(command: wire::embed::HostCommand, auth: Auth, lang: Lang) {
    use wire::embed::HostCommand;
    match command {
        // The host holds an embed token, never a session: this key trades it for one.
        HostCommand::Session { token } => {
            leptos::task::spawn_local(async move {
                let login = match api::trade_embed_token(token).await {
                    Ok(created) => Some(created.login),
                    Err(_) => {
                        api::set_token(None);
                        None
                    }
                };
                auth.login.set(login);
                auth.checked.set(true);
            });
        }
        HostCommand::Locale { locale } => {
            // The host knows its customer's language best; not saved, since
            // it is the host's choice, not this browser's.
            if let Some(locale) = i18n::Locale::parse(&locale) {
                leptos::task::spawn_local(async move {
                    lang.switch(locale, false).await;
                });
            }
        }
        HostCommand::Theme { properties } => embed::apply_theme(&properties),
    }
}

/// Tells the host each screen the user reaches (a no-op when not embedded).
#[component]
fn EmbedBridge() -> impl IntoView {
    let location = router::use_location();
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
        <label class="visually-hidden" for="language">{t!("lib.language")}</label>
        <select
            id="language"
            class="language"
            on:change=move |ev| {
                let select = event_target::<web_sys::HtmlSelectElement>(&ev);
                if let Some(locale) = i18n::Locale::parse(&select.value()) {
                    leptos::task::spawn_local(async move {
                        if !lang.switch(locale, true).await {
                            // Offline: the choice did not take, so say what is shown.
                            select.set_value(lang.0.get_untracked().tag());
                        }
                    });
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
fn Header(section: Memo<Section>) -> impl IntoView {
    let auth = state::use_auth();
    let flow = state::use_flow();
    let navigate = router::use_navigate();
    // By route, not by prefix: `/accounts` is not the account section.
    let in_account = move || section.get() == Section::Account;
    let sign_out = task::Task::new(move |()| {
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
            <a href=routes::HOME class="brand">{t!("lib.enrollment_portal")}</a>
            <LanguageSwitcher/>
            <Show when=move || auth.login.get().is_some()>
                <nav aria-label=t!("lib.main")>
                    <a href=routes::ACCOUNT aria-current=move || in_account().then_some("page")>{t!("lib.account_security")}</a>
                </nav>
                <span class="login" data-testid="login">{move || auth.login.get()}</span>
                <button type="button" class="secondary" disabled=move || sign_out.pending().get() on:click=move |_| { sign_out.dispatch(()); }>
                    {t!("lib.sign_out")}
                </button>
            </Show>
        </header>
    }
}
