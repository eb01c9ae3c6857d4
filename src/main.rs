//! `index.html`'s wasm: sign-in, home and enrollment.

use portal::routes::Bundle;

fn main() {
    portal::start(Bundle::Main, portal::main_screens);
}
