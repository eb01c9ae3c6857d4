//! `account.html`'s wasm: account management, loaded only by a visitor who
//! opens it.

use leptos::prelude::*;
use portal::routes::Bundle;
use portal::{account_screens, App};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(
        || view! { <App bundle=Bundle::Account screens=account_screens/> },
    );
}
