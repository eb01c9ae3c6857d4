//! The postMessage protocol between the portal (in an iframe) and the host
//! page that embeds it. Versioned, tagged by `source`, and checked on both
//! ends: messages go only to allowlisted origins, and incoming ones are
//! dropped unless their origin is allowed and they parse.
//!
//! ```json
//! {"source":"enrollment-portal","v":1,"type":"resize","height":642}
//! {"source":"enrollment-host","v":1,"type":"theme","properties":{"--color-primary":"#b00020"}}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const PORTAL_SOURCE: &str = "enrollment-portal";
pub const HOST_SOURCE: &str = "enrollment-host";
pub const VERSION: u8 = 1;

/// What the portal tells its host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PortalEvent {
    /// The portal is loaded and listening. `deviceId` is the thumbprint of this browser's
    /// device key: the host asks the server for an embed token for it
    /// (`POST /api/v1/session/handoff`) and answers with `session`.
    Ready {
        #[serde(rename = "deviceId")]
        device_id: String,
    },
    /// A new screen; `name` is its route.
    Step {
        name: String,
    },
    /// The content's height in CSS pixels, so the host sizes the iframe.
    Resize {
        height: u32,
    },
    /// This browser was enrolled.
    Enrolled,
    /// A management action finished (`pinUpdated`, `pinReset`, `phoneChanged`,
    /// `vehicleRemoved`, `enrollmentsRemoved`).
    Completed {
        action: String,
    },
    /// A call failed with this error code.
    Error {
        code: u16,
    },
    SignedOut,
}

/// What the host may tell the portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum HostCommand {
    /// An embed token for the customer already signed in on the host, from
    /// `session/handoff`: the portal trades it for its own session.
    Session {
        token: String,
    },
    Locale {
        locale: String,
    },
    Theme {
        properties: BTreeMap<String, String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message<T> {
    pub source: String,
    pub v: u8,
    #[serde(flatten)]
    pub body: T,
}

impl Message<PortalEvent> {
    pub fn portal(event: PortalEvent) -> Message<PortalEvent> {
        Message {
            source: PORTAL_SOURCE.to_string(),
            v: VERSION,
            body: event,
        }
    }
}

/// Why an incoming message was dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Origin,
    Malformed,
    WrongSource,
    UnsupportedVersion,
    BadTheme(String),
    BadToken,
}

/// Checks a host message (already parsed; `None` when it did not parse): its
/// origin against the allowlist first, then its tag, version, theme values and
/// token, so the portal never applies something it did not check.
pub fn check_host_message(
    origin: &str,
    message: Option<Message<HostCommand>>,
    allowlist: &[String],
) -> Result<HostCommand, Refused> {
    if !origin_allowed(origin, allowlist) {
        return Err(Refused::Origin);
    }
    let message = message.ok_or(Refused::Malformed)?;
    if message.source != HOST_SOURCE {
        return Err(Refused::WrongSource);
    }
    if message.v != VERSION {
        return Err(Refused::UnsupportedVersion);
    }
    match &message.body {
        HostCommand::Theme { properties } => {
            for (name, value) in properties {
                if !theme_property(name, value) {
                    return Err(Refused::BadTheme(name.clone()));
                }
            }
        }
        HostCommand::Session { token } => {
            let ok = (16..=512).contains(&token.len())
                && token.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
                });
            if !ok {
                return Err(Refused::BadToken);
            }
        }
        HostCommand::Locale { .. } => {}
    }
    Ok(message.body)
}

/// An origin is allowed when it equals one of the allowlist exactly
/// (scheme, host and port). `null` (sandboxed or file pages) never is.
pub fn origin_allowed(origin: &str, allowlist: &[String]) -> bool {
    origin != "null" && !origin.is_empty() && allowlist.iter().any(|allowed| allowed == origin)
}

/// The custom properties a host may set, and the kind of value each takes.
pub const THEME_PROPERTIES: &[(&str, ThemeValue)] = &[
    ("--color-primary", ThemeValue::Color),
    ("--color-primary-text", ThemeValue::Color),
    ("--color-bg", ThemeValue::Color),
    ("--color-surface", ThemeValue::Color),
    ("--color-text", ThemeValue::Color),
    ("--color-muted", ThemeValue::Color),
    ("--color-border", ThemeValue::Color),
    ("--color-focus", ThemeValue::Color),
    ("--radius", ThemeValue::Length),
    ("--font", ThemeValue::FontFamily),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeValue {
    Color,
    Length,
    FontFamily,
}

/// Checks one theme property. Values are a strict subset of CSS so nothing
/// can break out of the declaration (no `;`, `url(`, `}` or comments).
pub fn theme_property(name: &str, value: &str) -> bool {
    let Some(kind) = THEME_PROPERTIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
    else {
        return false;
    };
    let value = value.trim();
    match kind {
        ThemeValue::Color => is_color(value),
        ThemeValue::Length => is_length(value),
        ThemeValue::FontFamily => {
            !value.is_empty()
                && value.len() <= 200
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | ',' | '-' | '"' | '\''))
        }
    }
}

fn is_color(value: &str) -> bool {
    if let Some(hex) = value.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    for function in ["rgb(", "rgba(", "hsl(", "hsla("] {
        if let Some(inner) = value
            .strip_prefix(function)
            .and_then(|v| v.strip_suffix(')'))
        {
            return !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ' ' | ',' | '.' | '%' | '/'));
        }
    }
    false
}

fn is_length(value: &str) -> bool {
    let number = ["px", "rem", "em"]
        .iter()
        .find_map(|unit| value.strip_suffix(unit));
    match number {
        Some(n) => {
            !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        }
        None => value == "0",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Vec<String> {
        vec!["http://127.0.0.1:8081".to_string()]
    }

    fn parse_host_message(
        origin: &str,
        data: &str,
        allowlist: &[String],
    ) -> Result<HostCommand, Refused> {
        check_host_message(origin, serde_json::from_str(data).ok(), allowlist)
    }

    #[test]
    fn outgoing_messages_are_tagged_and_versioned() {
        let text =
            serde_json::to_string(&Message::portal(PortalEvent::Resize { height: 642 })).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"source": "enrollment-portal", "v": 1, "type": "resize", "height": 642})
        );
        let text = serde_json::to_string(&Message::portal(PortalEvent::SignedOut)).unwrap();
        assert!(text.contains("\"type\":\"signedOut\""), "{text}");
    }

    #[test]
    fn messages_from_other_origins_are_refused() {
        let data = r#"{"source":"enrollment-host","v":1,"type":"locale","locale":"fr"}"#;
        assert!(parse_host_message("http://127.0.0.1:8081", data, &allow()).is_ok());
        assert_eq!(
            parse_host_message("http://127.0.0.1:9999", data, &allow()),
            Err(Refused::Origin)
        );
        assert_eq!(
            parse_host_message("null", data, &["null".into()]),
            Err(Refused::Origin)
        );
        assert_eq!(
            parse_host_message("http://127.0.0.1:8081", data, &[]),
            Err(Refused::Origin)
        );
    }

    #[test]
    fn malformed_or_foreign_messages_are_refused() {
        let origin = "http://127.0.0.1:8081";
        assert_eq!(
            parse_host_message(origin, "not json", &allow()),
            Err(Refused::Malformed)
        );
        assert_eq!(
            parse_host_message(
                origin,
                r#"{"source":"enrollment-host","v":1,"type":"hack"}"#,
                &allow()
            ),
            Err(Refused::Malformed)
        );
        assert_eq!(
            parse_host_message(
                origin,
                r#"{"source":"other","v":1,"type":"locale","locale":"fr"}"#,
                &allow()
            ),
            Err(Refused::WrongSource)
        );
        assert_eq!(
            parse_host_message(
                origin,
                r#"{"source":"enrollment-host","v":2,"type":"locale","locale":"fr"}"#,
                &allow()
            ),
            Err(Refused::UnsupportedVersion)
        );
        assert_eq!(
            parse_host_message(
                origin,
                r#"{"source":"enrollment-host","v":1,"type":"session","token":"a b"}"#,
                &allow()
            ),
            Err(Refused::BadToken)
        );
    }

    #[test]
    fn theme_values_are_a_safe_subset_of_css() {
        assert!(theme_property("--color-primary", "#b00020"));
        assert!(theme_property("--color-primary", "rgb(10, 20, 30)"));
        assert!(theme_property("--radius", "12px"));
        assert!(theme_property("--font", "\"Open Sans\", sans-serif"));
        assert!(!theme_property(
            "--color-primary",
            "red; background: url(x)"
        ));
        assert!(!theme_property("--color-primary", "url(javascript:1)"));
        assert!(!theme_property("--radius", "1px}body{"));
        assert!(!theme_property("--unknown", "#fff"));
        let data = r##"{"source":"enrollment-host","v":1,"type":"theme","properties":{"--color-primary":"#b00020;x"}}"##;
        assert_eq!(
            parse_host_message("http://127.0.0.1:8081", data, &allow()),
            Err(Refused::BadTheme("--color-primary".into()))
        );
    }
}
