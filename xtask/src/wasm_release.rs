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
}
