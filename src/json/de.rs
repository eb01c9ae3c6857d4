//! serde's view of a value the browser parsed (`JSON.parse`), with the JSON value model of
//! serde_json: `null` is unit (and `None`), an integer number up to 2^53 is a `u64`/`i64`,
//! any other number an `f64`, an array a sequence, an object a map or struct, a string a
//! string or a unit variant, an object of one key an enum variant with data.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
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

impl<'de> de::Deserializer<'de> for Deserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.0;
        if value.is_null() || value.is_undefined() {
            visitor.visit_unit()
        } else if let Some(flag) = value.as_bool() {
            visitor.visit_bool(flag)
        } else if let Some(number) = value.as_f64() {
            if number.fract() != 0.0 || number.abs() > MAX_SAFE_INTEGER {
                visitor.visit_f64(number)
            } else if number >= 0.0 {
                visitor.visit_u64(number as u64)
            } else {
                visitor.visit_i64(number as i64)
            }
        } else if let Some(text) = value.as_string() {
            visitor.visit_string(text)
        } else if js_sys::Array::is_array(&value) {
            let mut elements = Elements {
                array: value.unchecked_into(),
                next: 0,
            };
            let read = visitor.visit_seq(&mut elements)?;
            // As serde_json: a tuple's visitor stops at its length, and more is an error.
            match elements.next == elements.array.length() {
                true => Ok(read),
                false => Err(Error::Invalid),
            }
        } else if value.is_object() {
            visitor.visit_map(Entries {
                entries: js_sys::Object::entries(value.unchecked_ref()),
                next: 0,
                value: None,
            })
        } else {
            Err(Error::Invalid)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() || self.0.is_undefined() {
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

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if let Some(variant) = self.0.as_string() {
            return visitor.visit_enum(variant.into_deserializer());
        }
        // `{"variant": data}`, serde's external tagging.
        if self.0.is_object() && !js_sys::Array::is_array(&self.0) {
            let entries = js_sys::Object::entries(self.0.unchecked_ref());
            if entries.length() == 1 {
                let entry: js_sys::Array = entries.get(0).unchecked_into();
                if let Some(variant) = entry.get(0).as_string() {
                    return visitor.visit_enum(Variant {
                        name: variant,
                        data: entry.get(1),
                    });
                }
            }
        }
        Err(Error::Invalid)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct Elements {
    array: js_sys::Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let element = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(Deserializer(element)).map(Some)
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

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let entry: js_sys::Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(entry.get(1));
        let key = entry.get(0).as_string().ok_or(Error::Invalid)?;
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or(Error::Invalid)?;
        seed.deserialize(Deserializer(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.entries.length() - self.next) as usize)
    }
}

struct Variant {
    name: String,
    data: JsValue,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Deserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Deserializer), Error> {
        let name = seed.deserialize(self.name.into_deserializer())?;
        Ok((name, Deserializer(self.data)))
    }
}

impl<'de> VariantAccess<'de> for Deserializer {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
