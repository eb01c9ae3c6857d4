//! Embedded mode: the portal inside an iframe of a customer-account site.
//!
//! The host page and the portal talk with `postMessage` (protocol in
//! `wire::embed`). Outgoing messages go only to allowlisted origins (the
//! server's `--frame-ancestors`, read from `/api/v1/config`), never `"*"`;
//! incoming ones are dropped unless they come from `window.parent`, with an
//! `event.origin` on that list, and the payload parses and validates. Until the host has spoken, each outgoing
//! message is posted once per allowlisted origin: the browser delivers it only
//! if that origin is the parent's, so nothing reaches anyone else.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wire::embed::{check_host_message, HostCommand, Message, PortalEvent, Refused};

thread_local! {
    static EMBEDDED: bool = detect();
    static ALLOWLIST: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static HOST_ORIGIN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Events raised before the allowlist is known (the first screen renders
    /// before the config arrives), sent right after `ready`.
    static PENDING: RefCell<Option<Vec<PortalEvent>>> = const { RefCell::new(Some(Vec::new())) };
}

/// `?embed=1` on the iframe's address, or being framed at all (so a reload
/// inside the iframe, which may have lost the parameter, stays embedded).
fn detect() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let asked = window.location().search().is_ok_and(|search| {
        search
            .trim_start_matches('?')
            .split('&')
            .any(|pair| pair == "embed=1")
    });
    let framed = match window.top() {
        Ok(Some(top)) => !js_sys::Object::is(&top, &window),
        _ => false,
    };
    asked || framed
}

pub fn is_embedded() -> bool {
    EMBEDDED.with(|e| *e)
}

/// Parses and checks one incoming message. `data` is what `event.data` held:
/// an object or JSON text.
pub fn parse_host_message(
    origin: &str,
    data: &JsValue,
    allowlist: &[String],
) -> Result<HostCommand, Refused> {
    check_host_message(origin, read_host_message(data), allowlist)
}

/// Reads the message field by field from the JS value. serde could do it, but
/// the message's flattened, tagged shape pulls in serde's buffering
/// deserializer, ~12 KB of wasm for three small commands. `event.data` is a
/// structured clone: plain data, no getters or proxies to run.
fn read_host_message(data: &JsValue) -> Option<Message<HostCommand>> {
    let object = match data.as_string() {
        Some(text) => js_sys::JSON::parse(&text).ok()?,
        None => data.clone(),
    };
    if !plain_object(&object) {
        return None;
    }
    let field = |name: &str| js_sys::Reflect::get(&object, &JsValue::from_str(name)).ok();
    let text = |name: &str| field(name)?.as_string();
    let v = field("v")?.as_f64()?;
    if v.fract() != 0.0 || !(0.0..=255.0).contains(&v) {
        return None;
    }
    let body = match text("type")?.as_str() {
        "session" => HostCommand::Session {
            token: text("token")?,
        },
        "locale" => HostCommand::Locale {
            locale: text("locale")?,
        },
        "theme" => {
            let properties = field("properties")?;
            if !plain_object(&properties) {
                return None;
            }
            let mut read = std::collections::BTreeMap::new();
            for entry in js_sys::Object::entries(properties.unchecked_ref()).iter() {
                let entry: js_sys::Array = entry.unchecked_into();
                read.insert(entry.get(0).as_string()?, entry.get(1).as_string()?);
            }
            HostCommand::Theme { properties: read }
        }
        _ => return None,
    };
    Some(Message {
        source: text("source")?,
        v: v as u8,
        body,
    })
}

fn plain_object(value: &JsValue) -> bool {
    value.is_object() && !js_sys::Array::is_array(value)
}

/// Starts listening to the host and says `ready`. Call once, with the
/// allowlist from the server's config.
pub fn start(
    allowlist: Vec<String>,
    device_id: String,
    on_command: impl Fn(HostCommand) + 'static,
) {
    if !is_embedded() {
        return;
    }
    ALLOWLIST.with(|a| *a.borrow_mut() = allowlist);
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_command = Rc::new(on_command);
    let parent: Option<JsValue> = window.parent().ok().flatten().map(Into::into);
    let listener =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            // The origin alone is not the host: any other window of that origin (a
            // widget the host page frames, a popup) could speak with it.
            let from_parent = match (event.source(), parent.as_ref()) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, parent),
                _ => false,
            };
            if !from_parent {
                return;
            }
            let origin = event.origin();
            let checked =
                ALLOWLIST.with(|a| parse_host_message(&origin, &event.data(), &a.borrow()));
            // Refused messages are dropped silently: logging them would echo
            // whatever a hostile frame sent, tokens included.
            if let Ok(command) = checked {
                HOST_ORIGIN.with(|h| *h.borrow_mut() = Some(origin));
                on_command(command);
            }
        });
    let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
    let pending = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    send(PortalEvent::Ready { device_id });
    for event in pending {
        send(event);
    }
    observe_height();
}

/// Tells the host something; a no-op outside embedded mode.
pub fn send(event: PortalEvent) {
    if !is_embedded() {
        return;
    }
    let queued = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(queue) if !matches!(event, PortalEvent::Ready { .. }) => {
            queue.push(event.clone());
            true
        }
        _ => false,
    });
    if queued {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let Ok(data) = crate::json::to_value(&Message::portal(event)) else {
        return;
    };
    let targets = match HOST_ORIGIN.with(|h| h.borrow().clone()) {
        Some(origin) => vec![origin],
        None => ALLOWLIST.with(|a| a.borrow().clone()),
    };
    for origin in targets {
        let _ = parent.post_message(&data, &origin);
    }
}

/// `resize` on every layout change, so the host sizes the iframe to the content.
fn observe_height() {
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    let last = Rc::new(std::cell::Cell::new(0u32));
    let measured = body.clone();
    let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |_entries: js_sys::Array| {
        let height = content_height(&measured);
        if height != last.get() {
            last.set(height);
            send(PortalEvent::Resize { height });
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&body);
        callback.forget();
    }
}

pub fn content_height(body: &web_sys::HtmlElement) -> u32 {
    body.scroll_height().max(0) as u32
}

/// Applies a checked theme: each property on the root element's style.
pub fn apply_theme(properties: &std::collections::BTreeMap<String, String>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    for (name, value) in properties {
        if wire::embed::theme_property(name, value) {
            let _ = root.style().set_property(name, value);
        }
    }
}
