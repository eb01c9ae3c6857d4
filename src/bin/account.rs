//! `account.html`'s wasm: account management, loaded only by a visitor who
//! opens it.

use portal::routes::Bundle;

fn main() {
    portal::start(Bundle::Account, portal::account_screens);
}
