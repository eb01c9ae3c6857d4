//! The wire contract shared by the portal (wasm) and the reference server.
//!
//! Everything here is plain data plus pure validation, so both sides apply the
//! same rules: the portal for comfort, the server as the authority. This crate
//! depends on serde only; keep it that way (see ARCHITECTURE.md).

pub mod api;
pub mod embed;
mod envelope;
mod error;
pub mod validate;

pub use envelope::{Envelope, ErrorBody, Outcome, Pause};
pub use error::ErrorCode;

/// Header carrying the DPoP proof (RFC 9449) that binds a call to the device's key.
/// The device id is that key's thumbprint, so no header names the device apart.
pub const DPOP_HEADER: &str = "DPoP";
/// Header carrying a step-up proof from `otp withPIN`.
pub const STRONG_AUTH_HEADER: &str = "X-Strong-Auth";
/// Header carrying the PIN itself, in place of [`STRONG_AUTH_HEADER`], on the operations that
/// take it (removing a vehicle or a device): the step-up and its operation in one round trip,
/// checked exactly as `otp withPIN` would be.
pub const STRONG_AUTH_PIN_HEADER: &str = "X-Strong-Auth-PIN";

/// The portal ships as two pages, each with its own wasm: `account.html` draws
/// account management, `index.html` everything else (sign-in, home,
/// enrollment), so a first visit does not download the management screens.
/// The server answers each path of the portal with its page; the portal moves
/// between the two with a full page load.
pub const ACCOUNT_PAGE: &str = "account.html";

/// The cookie holding the language the visitor chose in the portal (`fr`, …): not a
/// secret. The portal keeps the choice there, and the server reads it to send a page's
/// shell in that language before the wasm has run.
pub const LOCALE_COOKIE: &str = "portal_locale";

/// The primary language of a tag, in the tag's case: `fr-FR`, `FR`, `pt_PT` → `fr`, `FR`,
/// `pt` (compare it ignoring case). How the portal, its shell pages and the SMS texts
/// pick their language alike.
pub fn primary_language(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or_default()
}

/// Whether the server answers `path` with [`ACCOUNT_PAGE`]: `/account` and
/// everything below it.
pub fn serves_account_page(path: &str) -> bool {
    path == "/account" || path.starts_with("/account/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_read_by_its_primary_language() {
        assert_eq!(primary_language("fr-FR"), "fr");
        assert_eq!(primary_language("PT_pt"), "PT");
        assert_eq!(primary_language("de"), "de");
        assert_eq!(primary_language(""), "");
    }

    #[test]
    fn account_management_and_only_it_gets_the_account_page() {
        for path in ["/account", "/account/", "/account/pin/update", "/account/x"] {
            assert!(serves_account_page(path), "{path}");
        }
        for path in ["/", "/accounts", "/sign-in", "/enroll/account", "/Account"] {
            assert!(!serves_account_page(path), "{path}");
        }
    }
}
