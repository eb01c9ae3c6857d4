//! `index.html`'s wasm: sign-in, home and enrollment.

use leptos::prelude::*;
use portal::routes::Bundle;
use portal::{main_screens, App};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App bundle=Bundle::Main screens=main_screens/> });
}
