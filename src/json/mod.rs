//! JSON between the portal's types and the browser's own `JSON.parse` and
//! `JSON.stringify`, written and read as the server's serde_json writes and reads it
//! (`tests/api.rs` checks both against serde_json).
//!
//! Rather than serde_json (its parser and error messages were 6 KB gzip of a first visit)
//! or serde-wasm-bindgen (its error messages were 3.6 KB): serde builds error messages with
//! `format_args!` from what it found (`invalid type: floating point 1.5, expected u32`),
//! which kept the standard library's float formatting and serde's descriptions of types in
//! the wasm. Here an error says what went wrong in fixed words, and names the field when
//! one is missing or repeated. The portal shows none of it to the user (an answer that does
//! not read is `ApiError::BadResponse`).

mod de;
mod ser;

use std::fmt;

use serde::{de as serde_de, ser as serde_ser};
use wasm_bindgen::JsValue;

pub use de::from_value;
pub use ser::to_string;

/// `value` as the plain JavaScript value `JSON.parse` makes of its JSON (for
/// `postMessage`, which takes objects).
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<JsValue, Error> {
    js_sys::JSON::parse(&to_string(value)?).map_err(|_| Error::Invalid)
}

/// Why a value did not read or write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Of another shape or range than the type wants (or a map key that is not a string).
    Invalid,
    MissingField(&'static str),
    DuplicateField(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, field) = match self {
            Error::Invalid => ("a value of another type or shape", ""),
            Error::MissingField(field) => ("missing field ", *field),
            Error::DuplicateField(field) => ("duplicate field ", *field),
        };
        f.write_str(what)?;
        f.write_str(field)
    }
}

impl std::error::Error for Error {}

// Every constructor is overridden so that none formats its arguments: the defaults all
// go through `custom(format_args!(...))`, which is what this module avoids.
impl serde_de::Error for Error {
    fn custom<T: fmt::Display>(_message: T) -> Error {
        Error::Invalid
    }

    fn invalid_type(_found: serde_de::Unexpected<'_>, _expected: &dyn serde_de::Expected) -> Error {
        Error::Invalid
    }

    fn invalid_value(
        _found: serde_de::Unexpected<'_>,
        _expected: &dyn serde_de::Expected,
    ) -> Error {
        Error::Invalid
    }

    fn invalid_length(_length: usize, _expected: &dyn serde_de::Expected) -> Error {
        Error::Invalid
    }

    fn unknown_variant(_variant: &str, _expected: &'static [&'static str]) -> Error {
        Error::Invalid
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Error {
        Error::Invalid
    }

    fn missing_field(field: &'static str) -> Error {
        Error::MissingField(field)
    }

    fn duplicate_field(field: &'static str) -> Error {
        Error::DuplicateField(field)
    }
}

impl serde_ser::Error for Error {
    fn custom<T: fmt::Display>(_message: T) -> Error {
        Error::Invalid
    }
}
