//! The portal's client-side router: the address as two signals, links and the
//! back button handled with the History API.
//!
//! Hand-written instead of leptos_router: the portal has a fixed table of
//! plain paths (matched in [`crate::routes::Route::parse`], native tests), no
//! parameters, no nested data loading, and leptos_router's generic route tree
//! cost about 25 KB gzip of the wasm, a sixth of the whole size budget.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::routes::Bundle;

/// Where the user is. `pathname` is the path, `search` the query with its `?`.
#[derive(Clone, Copy)]
pub struct Location {
    pub pathname: RwSignal<String>,
    pub search: RwSignal<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NavigateOptions {
    /// Replace the current history entry instead of adding one (a redirect
    /// the back button must not return to).
    pub replace: bool,
}

thread_local! {
    /// The bundle this wasm is: a path of the other one is a page load away.
    static BUNDLE: std::cell::Cell<Bundle> = const { std::cell::Cell::new(Bundle::Main) };
}

/// Creates the location from the address bar and starts following links and
/// the back and forward buttons. Call once, above every screen.
pub fn provide(bundle: Bundle) -> Location {
    BUNDLE.with(|b| b.set(bundle));
    let location = Location {
        pathname: RwSignal::new(String::new()),
        search: RwSignal::new(String::new()),
    };
    sync(location);
    provide_context(location);
    let Some(window) = web_sys::window() else {
        return location;
    };
    let on_pop = Closure::<dyn Fn()>::new(move || sync(location));
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
    let on_click =
        Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event: web_sys::MouseEvent| {
            if let Some(to) = link_target(&event) {
                event.prevent_default();
                navigate(location, &to, NavigateOptions::default());
            }
        });
    if let Some(document) = window.document() {
        let _ =
            document.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    }
    on_click.forget();
    location
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// A function that moves to a path of the portal.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone + 'static {
    let location = use_location();
    move |to: &str, options: NavigateOptions| navigate(location, to, options)
}

fn in_this_bundle(to: &str) -> bool {
    Bundle::of(to) == BUNDLE.with(std::cell::Cell::get)
}

/// Goes to `to` (a path with an optional query). Deferred to a microtask, as
/// callers navigate from inside renders and effects that the change redraws.
/// A path the other bundle draws is loaded as a new page.
pub fn navigate(location: Location, to: &str, options: NavigateOptions) {
    let to = to.to_string();
    queue_microtask(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        if !in_this_bundle(&to) {
            let address = window.location();
            let _ = if options.replace {
                address.replace(&to)
            } else {
                address.assign(&to)
            };
            return;
        }
        let Ok(history) = window.history() else {
            return;
        };
        let result = if options.replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&to))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(&to))
        };
        if result.is_ok() {
            sync(location);
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
}

/// Navigates when rendered; for a screen that only sends the user elsewhere.
#[component]
pub fn Redirect(#[prop(into)] path: String) -> impl IntoView {
    navigate(use_location(), &path, NavigateOptions::default());
}

/// Copies the address bar into the signals (only what changed, so a screen is
/// not redrawn for nothing).
fn sync(location: Location) {
    let Some(address) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let pathname = address.pathname().unwrap_or_default();
    let search = address.search().unwrap_or_default();
    if location.pathname.with_untracked(|p| *p != pathname) {
        location.pathname.set(pathname);
    }
    if location.search.with_untracked(|s| *s != search) {
        location.search.set(search);
    }
}

/// The path to go to when `event` is a plain click on a link to a page of
/// this bundle; `None` for what the browser must handle itself: another
/// origin or bundle, a new tab or window, a download, or a jump within this
/// page.
fn link_target(event: &web_sys::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.alt_key()
        || event.ctrl_key()
        || event.shift_key()
    {
        return None;
    }
    let element = event.target()?.dyn_into::<web_sys::Element>().ok()?;
    let anchor = element
        .closest("a[href]")
        .ok()??
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .ok()?;
    let external = anchor
        .get_attribute("rel")
        .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "external"));
    if !anchor.target().is_empty() || anchor.has_attribute("download") || external {
        return None;
    }
    let here = web_sys::window()?.location();
    if anchor.origin() != here.origin().ok()? {
        return None;
    }
    let (path, search) = (anchor.pathname(), anchor.search());
    let same_page =
        here.pathname().ok()? == path && here.search().ok()? == search && !anchor.hash().is_empty();
    if same_page || !in_this_bundle(&path) {
        return None;
    }
    Some(format!("{path}{search}{}", anchor.hash()))
}
