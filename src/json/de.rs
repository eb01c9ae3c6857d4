//! serde's view of a value the browser parsed (`JSON.parse`), with the JSON value model of
//! serde_json: `null` is unit (and `None`), an integer number up to 2^53 is a `u64`/`i64`,
//! any other number an `f64`, an array a sequence, an object a map or struct, a string a
//! string or a unit variant.
//!
//! Two shapes serde_json also reads are refused, because the contract has neither and each
//! would compile a second reader into every struct or enum (3 KB gzip of the account page
//! together): a struct written as an array of its fields, and an enum variant with data
//! (`{"variant": ...}`). A result type that needs one fails `tests/json.rs`.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

use super::Error;

/// `value` as a `T`, as serde_json would read the JSON text it was parsed from.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, Error> {
    T::deserialize(Deserializer(value))
}

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

pub struct Deserializer(JsValue);

/// How serde_json reads a number: an integer when it is one and exact, else a float.
enum Number {
    Float(f64),
    Unsigned(u64),
    Signed(i64),
}

impl Number {
    // Once, not in each integer visitor's reader.
    #[inline(never)]
    fn of(number: f64) -> Number {
        if number.fract() != 0.0 || number.abs() > MAX_SAFE_INTEGER {
            Number::Float(number)
        } else if number >= 0.0 {
            Number::Unsigned(number as u64)
        } else {
            Number::Signed(number as i64)
        }
    }
}

// Each type's visitor gets the one branch it can accept, not the whole `deserialize_any`:
// a visitor's every other `visit_*` is an error path, and the full dispatch, compiled for
// each visitor, was 2 KB per result type.
impl Deserializer {
    // Never inlined, as the helpers below: each would otherwise be copied into every
    // visitor that calls it.
    #[inline(never)]
    fn is_nothing(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    fn number<'de, V: Visitor<'de>>(number: f64, visitor: V) -> Result<V::Value, Error> {
        match Number::of(number) {
            Number::Float(number) => visitor.visit_f64(number),
            Number::Unsigned(number) => visitor.visit_u64(number),
            Number::Signed(number) => visitor.visit_i64(number),
        }
    }

    #[inline(never)]
    fn string(self) -> Result<String, Error> {
        self.0.as_string().ok_or(Error::Invalid)
    }

    fn elements<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if !js_sys::Array::is_array(&self.0) {
            return Err(Error::Invalid);
        }
        let mut elements = Elements {
            array: self.0.unchecked_into(),
            next: 0,
        };
        let read = visitor.visit_seq(&mut elements)?;
        // As serde_json: a tuple's visitor stops at its length, and more is an error.
        match elements.next == elements.array.length() {
            true => Ok(read),
            false => Err(Error::Invalid),
        }
    }

    fn entries<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self.object()?)
    }

    // Not generic and never inlined, as `Entries::next_entry`: the check and the listing
    // exist once, not in every struct's reader.
    #[inline(never)]
    fn object(self) -> Result<Entries, Error> {
        if !self.0.is_object() || js_sys::Array::is_array(&self.0) {
            return Err(Error::Invalid);
        }
        Ok(Entries {
            entries: js_sys::Object::entries(self.0.unchecked_ref()),
            next: 0,
            value: None,
        })
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_u64(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Deserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_nothing() {
            visitor.visit_unit()
        } else if let Some(flag) = self.0.as_bool() {
            visitor.visit_bool(flag)
        } else if let Some(number) = self.0.as_f64() {
            Deserializer::number(number, visitor)
        } else if let Some(text) = self.0.as_string() {
            visitor.visit_string(text)
        } else if js_sys::Array::is_array(&self.0) {
            self.elements(visitor)
        } else {
            self.entries(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.0.as_bool().ok_or(Error::Invalid)?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        Deserializer::number(self.0.as_f64().ok_or(Error::Invalid)?, visitor)
    }

    // Every integer type reads from a number; its visitor checks the range.
    integers!(
        deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
    );

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.0.as_f64().ok_or(Error::Invalid)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.is_nothing() {
            true => visitor.visit_unit(),
            false => Err(Error::Invalid),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.elements(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.elements(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.elements(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.entries(visitor)
    }

    // An object only (see the module's comment).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.entries(visitor)
    }

    // The value is skipped, not walked: whatever it is, it is ignored.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_nothing() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    // Unit variants only (see the module's comment).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.string()?.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf
    }
}

struct Elements {
    array: js_sys::Array,
    next: u32,
}

impl Elements {
    // Once in the wasm, not in each sequence's reader (see `Entries::next_entry`).
    #[inline(never)]
    fn next_element(&mut self) -> Option<JsValue> {
        if self.next >= self.array.length() {
            return None;
        }
        let element = self.array.get(self.next);
        self.next += 1;
        Some(element)
    }
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.next_element() {
            Some(element) => seed.deserialize(Deserializer(element)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.array.length() - self.next) as usize)
    }
}

/// An object's own enumerable properties, as `Object.entries` lists them.
struct Entries {
    entries: js_sys::Array,
    next: u32,
    value: Option<JsValue>,
}

// The walks below are not generic and never inlined: they exist once in the wasm, and
// each type's reader (every struct has its own key and value seeds) only calls them.
impl Entries {
    /// The next property's name; its value waits in `value` for `next_value_seed`.
    #[inline(never)]
    fn next_entry(&mut self) -> Result<Option<String>, Error> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let entry: js_sys::Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(entry.get(1));
        entry.get(0).as_string().ok_or(Error::Invalid).map(Some)
    }

    #[inline(never)]
    fn take_value(&mut self) -> Result<JsValue, Error> {
        self.value.take().ok_or(Error::Invalid)
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.next_entry()? {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(Deserializer(self.take_value()?))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.entries.length() - self.next) as usize)
    }
}
