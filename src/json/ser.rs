//! The portal's types as JSON text, compact and escaped as serde_json writes them, so the
//! server reads exactly what it would read from itself.

use std::fmt::Write;

use serde::ser::{self, Serialize};

use super::Error;

/// `value` as JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut writer = Writer(String::new());
    value.serialize(&mut writer)?;
    Ok(writer.0)
}

pub struct Writer(String);

impl Writer {
    fn string(&mut self, text: &str) {
        let out = &mut self.0;
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(HEX[(c as usize) >> 4] as char);
                    out.push(HEX[(c as usize) & 0xf] as char);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    fn integer(&mut self, value: impl std::fmt::Display) {
        let _ = write!(self.0, "{value}");
    }

    /// Opens `{"variant":` for the data of an enum variant.
    fn variant(&mut self, variant: &str) {
        self.0.push('{');
        self.string(variant);
        self.0.push(':');
    }
}

/// A sequence, map or struct being written: `close` ends it (`]`, `}`, and `}` more for
/// the data of a variant).
pub struct Compound<'a> {
    writer: &'a mut Writer,
    first: bool,
    close: &'static str,
}

impl<'a> Compound<'a> {
    fn open(writer: &'a mut Writer, open: char, close: &'static str) -> Compound<'a> {
        writer.0.push(open);
        Compound {
            writer,
            first: true,
            close,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.writer.0.push(',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.key(key);
        value.serialize(&mut *self.writer)
    }

    // Not generic and never inlined: written once, not in each field type's `field`.
    #[inline(never)]
    fn key(&mut self, key: &str) {
        self.comma();
        self.writer.string(key);
        self.writer.0.push(':');
    }

    fn close(self) -> Result<(), Error> {
        self.writer.0.push_str(self.close);
        Ok(())
    }
}

macro_rules! integers {
    ($($method:ident($kind:ty as $wide:ty))*) => {$(
        fn $method(self, value: $kind) -> Result<(), Error> {
            self.integer(<$wide>::from(value));
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.0.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    // Integers as their decimal digits, each type through the widest of its sign.
    integers!(
        serialize_i8(i8 as i64) serialize_i16(i16 as i64) serialize_i32(i32 as i64)
        serialize_i64(i64 as i64) serialize_u8(u8 as u64) serialize_u16(u16 as u64)
        serialize_u32(u32 as u64) serialize_u64(u64 as u64)
    );

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.serialize_f64(value.into())
    }

    // The browser writes the number (`JSON.stringify`; `null` when not finite, as
    // serde_json), sparing the wasm a float formatter. One difference: a whole number
    // has no `.0` (`2` where serde_json writes `2.0`), which serde_json reads the same.
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        let text = js_sys::JSON::stringify(&value.into()).map_err(|_| Error::Invalid)?;
        self.0.push_str(&String::from(text));
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.string(value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        let mut seq = Compound::open(self, '[', "]");
        for byte in value {
            seq.element(byte)?;
        }
        seq.close()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.0.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(variant);
        value.serialize(&mut *self)?;
        self.0.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self, '[', "]"))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self, '[', "]"))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self, '[', "]"))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.variant(variant);
        Ok(Compound::open(self, '[', "]}"))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self, '{', "}"))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self, '{', "}"))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.variant(variant);
        Ok(Compound::open(self, '{', "}}"))
    }
}

// serde has a trait per kind of sequence; in JSON they are all an array.
macro_rules! elements {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    // JSON keys are strings; as serde_json, a number or a boolean key is written as one.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        let key = to_string(key)?;
        match key.as_bytes().first() {
            Some(b'"') => self.writer.0.push_str(&key),
            Some(b'0'..=b'9' | b'-' | b't' | b'f') => {
                self.writer.0.push('"');
                self.writer.0.push_str(&key);
                self.writer.0.push('"');
            }
            _ => return Err(Error::Invalid),
        }
        self.writer.0.push(':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

// A struct, or a variant's, is an object of its fields.
macro_rules! fields {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);
