//! How `trunk build --release` compiles the portal: the standard library rebuilt with the
//! portal (`-Zbuild-std`), panics that abort on the spot with no message
//! (`-Cpanic=immediate-abort`), no `Debug` formatting (`-Zfmt-debug=none`), no source
//! locations (`-Zlocation-detail=none`) and the standard library's own smaller variants of
//! its algorithms (feature `optimize_for_size`: sorting, formatting; 1.0 KB gzip).
//!
//! Why: the prebuilt standard library carries panic messages, file paths and formatting
//! code that the portal never shows anyone; dropping them saved 26 KB gzip of the wasm
//! (327 -> 301 KB before the router change), the largest cut that needed no change of code.
//! The flags are unstable, so `RUSTC_BOOTSTRAP=1` lets the pinned stable rustc (1.95, see
//! README) accept them; only this one build uses it, never the server, the tests or the
//! wasm test suite, so a panic there still prints its message. A rustc that drops one of
//! these flags fails this build loudly (nothing silently grows).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::bootstrap::WASM_TARGET;
use crate::process::{run, step};
use crate::server::TempDir;
use crate::workspace::Workspace;

/// The portal's binaries, one per page (`data-bin` in `index.html` and `account.html`).
const BINS: [&str; 2] = ["portal", "portal-account"];

/// The wasm target's rustflags for the release build. They replace `.cargo/config.toml`'s
/// `[target.wasm32-unknown-unknown] rustflags` (an environment variable wins over the
/// file), so they repeat its `--cfg erase_components`; a test keeps the two in step.
pub const RUSTFLAGS: &str = "--cfg erase_components -Zunstable-options -Cpanic=immediate-abort \
                             -Zfmt-debug=none -Zlocation-detail=none";

/// The environment of `trunk build --release` (trunk passes it on to cargo).
pub fn env() -> [(&'static str, &'static str); 4] {
    [
        ("RUSTC_BOOTSTRAP", "1"),
        ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort"),
        ("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size"),
        ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", RUSTFLAGS),
    ]
}

/// Downloads everything `trunk build --release --offline` compiles, while the network is
/// there. `cargo fetch` of the workspace is not enough: with `-Zbuild-std` cargo also
/// resolves the standard library's own workspace (`library/Cargo.lock` of rust-src), whose
/// crates (`dlmalloc`, `moto-rt`, ...) no workspace member names. A second fetch with the
/// release build's own environment and target makes cargo resolve exactly the graph the
/// build will, std included. Machines that built once before had those crates cached,
/// which is how their absence stayed hidden (issue 14); `check_fetch_is_complete` keeps it
/// from coming back.
pub fn fetch(workspace: &Workspace) -> Result<(), String> {
    fetch_into(workspace, None)
}

fn fetch_into(workspace: &Workspace, cargo_home: Option<&Path>) -> Result<(), String> {
    let with_home = |command: &mut Command| {
        if let Some(home) = cargo_home {
            command.env("CARGO_HOME", home);
        }
    };
    // Every target's dependencies: the server, xtask and the wasm tests build online, but
    // the wasm's build scripts and proc macros run on the host and come from here too.
    let mut workspace_fetch = workspace.cargo();
    workspace_fetch.arg("fetch");
    with_home(&mut workspace_fetch);
    run(&mut workspace_fetch)?;
    let mut std_fetch = workspace.cargo();
    std_fetch
        .args(["fetch", "--target", WASM_TARGET])
        .envs(env());
    with_home(&mut std_fetch);
    run(&mut std_fetch)
}

/// The fresh-machine check (part of the budget suite): into an empty cargo home, [`fetch`],
/// then resolve the release build of each page offline exactly as trunk's cargo does, std
/// included (`--unit-graph` resolves and plans every unit but compiles nothing: seconds).
/// A crate that `fetch` misses fails this on every machine, however warm its own
/// `~/.cargo/registry`, not only on the next new one. Costs one download of the workspace's
/// crates (about 420, ~15 s here).
pub fn check_fetch_is_complete(workspace: &Workspace) -> Result<(), String> {
    let home = TempDir::new("xtask-empty-cargo-home")?;
    step(format!(
        "fresh-machine check: fetch into an empty CARGO_HOME ({}), then resolve the release \
         build offline",
        home.path().display()
    ));
    fetch_into(workspace, Some(home.path()))?;
    for bin in BINS {
        let mut resolve = workspace.cargo();
        resolve
            .args(["build", "--release", "--offline", "--target", WASM_TARGET])
            .args(["--bin", bin, "--unit-graph", "-Zunstable-options"])
            .envs(env())
            .env("CARGO_HOME", home.path())
            .stdout(Stdio::null());
        run(&mut resolve).map_err(|error| {
            format!(
                "{error}\n    the release build of {bin} cannot resolve offline from what \
                 `cargo xtask` fetches: a new machine would fail the same way (see \
                 xtask/src/wasm_release.rs, `fetch`)"
            )
        })?;
    }
    step("fresh-machine check: the release build resolves offline from what xtask fetches");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_flags_keep_the_cfg_of_cargo_config() {
        let config = include_str!("../../.cargo/config.toml");
        let rustflags = config
            .lines()
            .find(|line| line.trim_start().starts_with("rustflags"))
            .expect(".cargo/config.toml sets the wasm target's rustflags");
        assert!(
            rustflags.contains(r#""--cfg", "erase_components""#),
            "{rustflags}"
        );
        assert!(RUSTFLAGS.starts_with("--cfg erase_components "));
    }

    #[test]
    fn the_checked_binaries_are_the_pages_binaries() {
        for (page, bin) in [
            (include_str!("../../index.html"), BINS[0]),
            (include_str!("../../account.html"), BINS[1]),
        ] {
            assert!(page.contains(&format!(r#"data-bin="{bin}""#)), "{bin}");
        }
    }
}
