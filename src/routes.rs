//! Every route of the portal, in one place: the paths the code links with,
//! and [`Route::parse`], the table that says which screen a path shows.

pub const SIGN_IN: &str = "/sign-in";
pub const HOME: &str = "/";
/// Where a browser that cannot hold a device key is told so (either page sends it here).
pub const UNSUPPORTED: &str = "/unsupported";

/// The enrolled devices, one by one: on the main page, since the device limit stops an
/// enrollment there (and the account page has no bytes to spare).
pub const DEVICES: &str = "/devices";

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

/// What an address shows. Matched here, as plain Rust, so the table is tested
/// natively; `lib.rs` turns each variant into its screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    SignIn,
    Home,
    Devices,
    Enroll(EnrollScreen),
    Account(AccountScreen),
    Unsupported,
    NotFound,
}

/// Steps 1 to 8, under `/enroll`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrollScreen {
    Probe,
    ChooseMethod,
    Shortcut,
    RegisterPhone,
    Code,
    NewPin,
    EnterPin,
    Done,
    Blocked,
}

/// The hub and steps A to E, under `/account`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountScreen {
    Hub,
    RemoveEnrollments,
    PinReset,
    PinUpdate,
    Phone,
    Vehicles,
}

impl Route {
    /// The route of a path (no query); a trailing `/` is ignored.
    pub fn parse(path: &str) -> Route {
        use AccountScreen as A;
        use EnrollScreen as E;
        let path = match path.trim_end_matches('/') {
            "" => HOME,
            trimmed => trimmed,
        };
        match path {
            HOME => Route::Home,
            SIGN_IN => Route::SignIn,
            DEVICES => Route::Devices,
            UNSUPPORTED => Route::Unsupported,
            ENROLL => Route::Enroll(E::Probe),
            ENROLL_PHONE => Route::Enroll(E::ChooseMethod),
            ENROLL_SHORTCUT => Route::Enroll(E::Shortcut),
            ENROLL_REGISTER => Route::Enroll(E::RegisterPhone),
            ENROLL_SMS => Route::Enroll(E::Code),
            ENROLL_NEW_PIN => Route::Enroll(E::NewPin),
            ENROLL_PIN => Route::Enroll(E::EnterPin),
            ENROLL_DONE => Route::Enroll(E::Done),
            ENROLL_BLOCKED => Route::Enroll(E::Blocked),
            ACCOUNT => Route::Account(A::Hub),
            ACCOUNT_REMOVE_ENROLLMENTS => Route::Account(A::RemoveEnrollments),
            ACCOUNT_PIN_RESET => Route::Account(A::PinReset),
            ACCOUNT_PIN_UPDATE => Route::Account(A::PinUpdate),
            ACCOUNT_PHONE => Route::Account(A::Phone),
            ACCOUNT_VEHICLES => Route::Account(A::Vehicles),
            _ => Route::NotFound,
        }
    }

    /// The part of the page that stays while moving inside it: the enrollment
    /// card keeps its place from step to step, and so does the account card.
    pub fn section(self) -> Section {
        match self {
            Route::SignIn => Section::SignIn,
            Route::Home => Section::Home,
            Route::Devices => Section::Devices,
            Route::Enroll(_) => Section::Enroll,
            Route::Account(_) => Section::Account,
            Route::Unsupported => Section::Unsupported,
            Route::NotFound => Section::NotFound,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    SignIn,
    Home,
    Devices,
    Enroll,
    Account,
    Unsupported,
    NotFound,
}

/// Which of the portal's two pages, each with its own wasm, draws a path: the
/// server's rule ([`wire::serves_account_page`]), so the two always agree.
/// Moving to the other one is a full page load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// `index.html`: sign-in, home, enrollment.
    Main,
    /// `account.html`: account management.
    Account,
}

impl Bundle {
    /// The bundle of `to`, a path with an optional query or fragment.
    pub fn of(to: &str) -> Bundle {
        let path = to.split(['?', '#']).next().unwrap_or_default();
        if wire::serves_account_page(path) {
            Bundle::Account
        } else {
            Bundle::Main
        }
    }
}

/// The value of `name` in a query (`?a=1&next=%2Fenroll`), percent-decoded.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| decode_component(value))
}

/// `%XX` escapes and `+` back to text; `None` for a malformed escape or bytes
/// that are not UTF-8.
fn decode_component(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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
    fn every_path_shows_its_screen() {
        use AccountScreen as A;
        use EnrollScreen as E;
        let table = [
            (HOME, Route::Home),
            (SIGN_IN, Route::SignIn),
            (DEVICES, Route::Devices),
            (UNSUPPORTED, Route::Unsupported),
            (ENROLL, Route::Enroll(E::Probe)),
            (ENROLL_PHONE, Route::Enroll(E::ChooseMethod)),
            (ENROLL_SHORTCUT, Route::Enroll(E::Shortcut)),
            (ENROLL_REGISTER, Route::Enroll(E::RegisterPhone)),
            (ENROLL_SMS, Route::Enroll(E::Code)),
            (ENROLL_NEW_PIN, Route::Enroll(E::NewPin)),
            (ENROLL_PIN, Route::Enroll(E::EnterPin)),
            (ENROLL_DONE, Route::Enroll(E::Done)),
            (ENROLL_BLOCKED, Route::Enroll(E::Blocked)),
            (ACCOUNT, Route::Account(A::Hub)),
            (
                ACCOUNT_REMOVE_ENROLLMENTS,
                Route::Account(A::RemoveEnrollments),
            ),
            (ACCOUNT_PIN_RESET, Route::Account(A::PinReset)),
            (ACCOUNT_PIN_UPDATE, Route::Account(A::PinUpdate)),
            (ACCOUNT_PHONE, Route::Account(A::Phone)),
            (ACCOUNT_VEHICLES, Route::Account(A::Vehicles)),
        ];
        for (path, route) in table {
            assert_eq!(Route::parse(path), route, "{path}");
            assert_eq!(Route::parse(&format!("{path}/")), route, "{path}/");
        }
        assert_eq!(Route::parse(""), Route::Home);
        for unknown in [
            "/enrol",
            "/enroll/phone/other",
            "/ACCOUNT",
            "/account/pin",
            "/accounts",
        ] {
            assert_eq!(Route::parse(unknown), Route::NotFound, "{unknown}");
        }
        assert_eq!(Route::parse(ENROLL_SMS).section(), Section::Enroll);
        assert_eq!(Route::parse(ACCOUNT_PHONE).section(), Section::Account);
        // The device list is drawn by the main page (the enrollment's way past the limit).
        assert_eq!(Bundle::of(DEVICES), Bundle::Main);
        // The account bundle has every account screen, the main one every other.
        for (path, route) in table {
            let expected = if route.section() == Section::Account {
                Bundle::Account
            } else {
                Bundle::Main
            };
            assert_eq!(Bundle::of(path), expected, "{path}");
            assert_eq!(Bundle::of(&format!("{path}?a=1#b")), expected, "{path}");
        }
        assert_eq!(Bundle::of("/accounts"), Bundle::Main);
        assert_eq!(Bundle::of("/account/unknown"), Bundle::Account);
    }

    #[test]
    fn query_parameters_are_found_and_decoded() {
        assert_eq!(
            query_param("?next=%2Fenroll%2Fsms", "next").as_deref(),
            Some("/enroll/sms")
        );
        assert_eq!(
            query_param("?a=1&next=/a%3Fb%3Dc", "next").as_deref(),
            Some("/a?b=c")
        );
        assert_eq!(query_param("?a=x+y", "a").as_deref(), Some("x y"));
        assert_eq!(query_param("?nextx=1", "next"), None);
        assert_eq!(query_param("", "next"), None);
        assert_eq!(query_param("?next=%zz", "next"), None);
        assert_eq!(query_param("?next=%C3", "next"), None);
        let round_trip = sign_in_then("/a?b=c");
        let (_, search) = round_trip.split_once('?').unwrap();
        assert_eq!(query_param(search, "next").as_deref(), Some("/a?b=c"));
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
