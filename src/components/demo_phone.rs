use std::time::Duration;

use crate::i18n::t;
use leptos::prelude::*;

use super::Show;
use crate::api;
use crate::state::{use_auth, use_config};

/// Demo mode only: the SMS messages the server "sent" to this account, so a
/// person trying the portal can finish every flow. Polls while open.
#[component]
pub fn DemoPhone() -> impl IntoView {
    let config = use_config();
    let auth = use_auth();
    let open = RwSignal::new(false);
    let messages = RwSignal::new(Vec::<wire::api::OutboxMessage>::new());
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(list) = api::outbox().await {
                messages.set(list);
            }
        })
    };
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if open.get_untracked() && auth.login.get_untracked().is_some() {
                refresh();
            }
        },
        Duration::from_secs(3),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Show when=move || config.demo() && auth.login.get().is_some()>
            <aside class="demo-phone" aria-label=t!("demo_phone.demo_phone")>
                <details on:toggle=move |ev| {
                    use wasm_bindgen::JsCast;
                    let is_open = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
                        .is_some_and(|d| d.open());
                    open.set(is_open);
                    if is_open {
                        refresh();
                    }
                }>
                    <summary>{t!("demo_phone.demo_phone_sms_outbox")}</summary>
                    <p class="hint">{t!("demo_phone.demo_mode_messages_are_not")}</p>
                    <button type="button" class="secondary" on:click=move |_| refresh()>{t!("demo_phone.refresh")}</button>
                    <ul class="messages" data-testid="demo-messages">
                        {move || {
                            messages
                                .get()
                                .into_iter()
                                .take(5)
                                .map(|m| {
                                    view! {
                                        <li>
                                            <span class="to">{m.to}</span>
                                            " "
                                            <span class="text">{m.text}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </details>
            </aside>
        </Show>
    }
}
