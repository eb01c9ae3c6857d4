//! Every route of the portal, in one place. The route table in `lib.rs` is
//! built from the segments; the rest of the code links with the full paths.

pub const SIGN_IN: &str = "/sign-in";
pub const HOME: &str = "/";

pub const ENROLL: &str = "/enroll";
pub const ENROLL_PHONE: &str = "/enroll/phone";
pub const ENROLL_SHORTCUT: &str = "/enroll/phone/shortcut";
pub const ENROLL_REGISTER: &str = "/enroll/phone/register";
pub const ENROLL_SMS: &str = "/enroll/sms";
pub const ENROLL_NEW_PIN: &str = "/enroll/pin/new";
pub const ENROLL_PIN: &str = "/enroll/pin";
pub const ENROLL_DONE: &str = "/enroll/done";
pub const ENROLL_BLOCKED: &str = "/enroll/blocked";

pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_REMOVE_ENROLLMENTS: &str = "/account/enrollments/remove";
pub const ACCOUNT_PIN_RESET: &str = "/account/pin/reset";
pub const ACCOUNT_PIN_UPDATE: &str = "/account/pin/update";
pub const ACCOUNT_PHONE: &str = "/account/phone";
pub const ACCOUNT_VEHICLES: &str = "/account/vehicles";

/// Path segments, as the router matches them.
pub mod segment {
    pub const SIGN_IN: &str = "sign-in";
    pub const ENROLL: &str = "enroll";
    pub const ACCOUNT: &str = "account";
    pub const PHONE: &str = "phone";
    pub const SHORTCUT: &str = "shortcut";
    pub const REGISTER: &str = "register";
    pub const SMS: &str = "sms";
    pub const PIN: &str = "pin";
    pub const NEW: &str = "new";
    pub const DONE: &str = "done";
    pub const BLOCKED: &str = "blocked";
    pub const ENROLLMENTS: &str = "enrollments";
    pub const REMOVE: &str = "remove";
    pub const RESET: &str = "reset";
    pub const UPDATE: &str = "update";
    pub const VEHICLES: &str = "vehicles";
}

/// `/sign-in?next=<path>`: only same-site paths are accepted as `next`, so the
/// parameter cannot send the user to another site after signing in.
pub fn sign_in_then(next: &str) -> String {
    if next == SIGN_IN || next.is_empty() || next == HOME {
        return SIGN_IN.to_string();
    }
    format!("{SIGN_IN}?next={}", encode_component(next))
}

/// Where to go after signing in, given the `next` parameter.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with(SIGN_IN) =>
        {
            path.to_string()
        }
        _ => HOME.to_string(),
    }
}

fn encode_component(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_paths_are_their_segments_joined() {
        use segment::*;
        let join = |parts: &[&str]| format!("/{}", parts.join("/"));
        assert_eq!(join(&[ENROLL, PHONE, SHORTCUT]), ENROLL_SHORTCUT);
        assert_eq!(join(&[ENROLL, PHONE, REGISTER]), ENROLL_REGISTER);
        assert_eq!(join(&[ENROLL, PHONE]), ENROLL_PHONE);
        assert_eq!(join(&[ENROLL, SMS]), ENROLL_SMS);
        assert_eq!(join(&[ENROLL, PIN, NEW]), ENROLL_NEW_PIN);
        assert_eq!(join(&[ENROLL, PIN]), ENROLL_PIN);
        assert_eq!(join(&[ENROLL, DONE]), ENROLL_DONE);
        assert_eq!(join(&[ENROLL, BLOCKED]), ENROLL_BLOCKED);
        assert_eq!(
            join(&[ACCOUNT, ENROLLMENTS, REMOVE]),
            ACCOUNT_REMOVE_ENROLLMENTS
        );
        assert_eq!(join(&[ACCOUNT, PIN, RESET]), ACCOUNT_PIN_RESET);
        assert_eq!(join(&[ACCOUNT, PIN, UPDATE]), ACCOUNT_PIN_UPDATE);
        assert_eq!(join(&[ACCOUNT, PHONE]), ACCOUNT_PHONE);
        assert_eq!(join(&[ACCOUNT, VEHICLES]), ACCOUNT_VEHICLES);
        assert_eq!(join(&[SIGN_IN]), super::SIGN_IN);
    }

    #[test]
    fn next_parameter_round_trips_and_stays_on_this_site() {
        assert_eq!(sign_in_then("/enroll/sms"), "/sign-in?next=/enroll/sms");
        assert_eq!(sign_in_then("/"), "/sign-in");
        assert_eq!(sign_in_then("/a?b=c"), "/sign-in?next=/a%3Fb%3Dc");
        assert_eq!(safe_next(Some("/enroll/sms")), "/enroll/sms");
        for hostile in [
            "//evil.test",
            "https://evil.test",
            "/\\evil.test",
            "evil",
            "/sign-in",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
