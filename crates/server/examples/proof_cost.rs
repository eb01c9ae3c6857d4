//! What checking one DPoP proof costs the server: parse, the P-256 key from its header, the
//! ES256 signature, the claims (`dpop::verify`, as every API request runs it before its
//! handler). `cargo xtask bench server` runs it with the bench's profile and reports the
//! median of its rounds; run by hand: `cargo run --release -p portal-server --example proof_cost`.
//!
//! Prints one line: `proof_check_us median=<µs> min=<µs> max=<µs> proofs=<n>`.

use std::time::Instant;

use dpop_client::DeviceKey;
use portal_server::dpop::{self, Expected};

const PROOFS: usize = 500;
const ROUNDS: usize = 7;
const NOW: i64 = 1_700_000_000;

fn main() {
    let key = DeviceKey::generate();
    let token = "a-session-token-of-43-characters-aaaaaaaaaa";
    let url = "http://127.0.0.1:8080/api/v1/account/status";
    // Made before the clock starts: the client's signing is not the server's cost.
    let proofs: Vec<String> = (0..PROOFS)
        .map(|_| key.proof("GET", url, Some(token), NOW))
        .collect();
    let nonce_ok = |_: &str| false;
    let expected = Expected {
        method: "GET",
        scheme: "http",
        authority: "127.0.0.1:8080",
        path: "/api/v1/account/status",
        access_token: Some(token),
        ath_required: true,
        now: NOW,
        nonce_ok: &nonce_ok,
    };
    let mut per_proof_us: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for proof in &proofs {
                let verified = dpop::verify(proof, &expected).expect("a valid proof");
                std::hint::black_box(verified);
            }
            start.elapsed().as_secs_f64() * 1e6 / PROOFS as f64
        })
        .collect();
    per_proof_us.sort_by(f64::total_cmp);
    println!(
        "proof_check_us median={:.1} min={:.1} max={:.1} proofs={}",
        per_proof_us[ROUNDS / 2],
        per_proof_us[0],
        per_proof_us[ROUNDS - 1],
        PROOFS * ROUNDS
    );
}
