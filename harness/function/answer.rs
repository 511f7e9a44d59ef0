//! An in-process handler's answer, checked once and serialized only when asked: its `response`
//! member as a `Value` (the only part the judges read, ruling 1), and its bytes, as lambda_runtime
//! would post them, made on first use (a report). The echoed request, usually most
//! of the answer, is neither built as a `Value` nor written out unless something reads it: writing
//! its long strings was a third of a fuzzed in-process event's cost (issue 15).

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::Value;

use super::Payload;

/// Takes `answer` as its payload. The answer is walked as serde_json would write it, so an answer
/// serde_json cannot write fails here, with serde_json's error, as lambda_runtime's would.
pub(crate) fn to_payload<T>(answer: T) -> serde_json::Result<Payload>
where
    T: Serialize + Send + Sync + 'static,
{
    Ok(match answer.serialize(Tee)? {
        Top::Object(response) => Payload::Object {
            bytes: AnswerBytes::of(answer),
            response,
        },
        // Not an object (or an enum's `{"Variant": ...}`): judged from its bytes, so made now.
        Top::Other => Payload::Bytes(serde_json::to_vec(&answer)?.into()),
    })
}

/// An in-process answer's JSON text, as lambda_runtime would post it, written on first use.
#[derive(Clone)]
pub struct AnswerBytes(Arc<Lazy>);

struct Lazy {
    answer: Box<dyn ToJson>,
    bytes: OnceLock<Bytes>,
}

/// An answer that can be written as JSON (the handler's type, erased).
trait ToJson: Send + Sync {
    fn to_json(&self) -> Vec<u8>;
}

impl<T: Serialize + Send + Sync> ToJson for T {
    fn to_json(&self) -> Vec<u8> {
        // The walk in `to_payload` found nothing serde_json refuses; a `Serialize` that fails only
        // the second time gives no text (read as invalid JSON).
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl AnswerBytes {
    fn of<T: Serialize + Send + Sync + 'static>(answer: T) -> Self {
        AnswerBytes(Arc::new(Lazy {
            answer: Box::new(answer),
            bytes: OnceLock::new(),
        }))
    }

    /// The answer as JSON text.
    pub fn get(&self) -> &Bytes {
        self.0.bytes.get_or_init(|| self.0.answer.to_json().into())
    }
}

impl From<Bytes> for AnswerBytes {
    /// Text already written (the answer is that text).
    fn from(bytes: Bytes) -> Self {
        AnswerBytes(Arc::new(Lazy {
            answer: Box::new(()),
            bytes: OnceLock::from(bytes),
        }))
    }
}

impl PartialEq for AnswerBytes {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for AnswerBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

/// What the top level of the answer turned out to be.
enum Top {
    /// An object, with its `response` member when it has one.
    Object(Option<Value>),
    Other,
}

/// Walks the top level, keeping a copy of `response`.
struct Tee;

/// The top-level object's members, checked, with `response` kept.
struct Members<C> {
    compound: C,
    response: Option<Value>,
    /// A map's current key is `response` (maps give their keys and values in two calls).
    at_response: bool,
}

fn keep<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Value> {
    serde_json::to_value(value)
}

macro_rules! checked {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> serde_json::Result<Top> {
            Check.$method($($arg),*)?;
            Ok(Top::Other)
        })*
    };
}

impl Serializer for Tee {
    type Ok = Top;
    type Error = serde_json::Error;
    type SerializeSeq = Other<Check>;
    type SerializeTuple = Self::SerializeSeq;
    type SerializeTupleStruct = Self::SerializeSeq;
    type SerializeTupleVariant = Self::SerializeSeq;
    type SerializeMap = Members<Check>;
    type SerializeStruct = Self::SerializeMap;
    type SerializeStructVariant = Self::SerializeSeq;

    checked! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> serde_json::Result<Top> {
        // serde_json writes `Some(x)` as `x`: the answer's top level is x's.
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> serde_json::Result<Top> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> serde_json::Result<Top> {
        // `{"Variant": value}`: rare enough to leave to a full parse of the bytes.
        Check.serialize_newtype_variant(name, index, variant, value)?;
        Ok(Top::Other)
    }

    fn serialize_seq(self, len: Option<usize>) -> serde_json::Result<Self::SerializeSeq> {
        Ok(Other(Check.serialize_seq(len)?))
    }

    fn serialize_tuple(self, len: usize) -> serde_json::Result<Self::SerializeSeq> {
        Ok(Other(Check.serialize_tuple(len)?))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> serde_json::Result<Self::SerializeSeq> {
        Ok(Other(Check.serialize_tuple_struct(name, len)?))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> serde_json::Result<Self::SerializeSeq> {
        Ok(Other(
            Check.serialize_tuple_variant(name, index, variant, len)?,
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> serde_json::Result<Self::SerializeMap> {
        Ok(Members::new(Check.serialize_map(len)?))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> serde_json::Result<Self::SerializeMap> {
        Ok(Members::new(Check.serialize_struct(name, len)?))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> serde_json::Result<Self::SerializeSeq> {
        Ok(Other(
            Check.serialize_struct_variant(name, index, variant, len)?,
        ))
    }
}

/// Walks a value as serde_json would write it, writing nothing. It fails where serde_json would:
/// a map key serde_json cannot write (checked by serde_json itself), or an error the value's own
/// `Serialize` raises. Nothing else makes serde_json's writer fail on a `Vec` (with its default
/// features; a `Display` that fails inside `collect_str` makes serde_json panic, and now does so
/// when the bytes are first read).
struct Check;

/// A map key, as a map of one member: serde_json's writer says whether it can write the key.
struct OneKey<'a, K: ?Sized>(&'a K);

impl<K: Serialize + ?Sized> Serialize for OneKey<'_, K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &())?;
        map.end()
    }
}

macro_rules! nothing_to_check {
    ($($method:ident($($ty:ty),*);)*) => {
        $(fn $method(self, $(_: $ty),*) -> serde_json::Result<()> { Ok(()) })*
    };
}

impl Serializer for Check {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Check;
    type SerializeTuple = Check;
    type SerializeTupleStruct = Check;
    type SerializeTupleVariant = Check;
    type SerializeMap = Check;
    type SerializeStruct = Check;
    type SerializeStructVariant = Check;

    nothing_to_check! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> serde_json::Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_tuple(self, _: usize) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_map(self, _: Option<usize>) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> serde_json::Result<Check> {
        Ok(Check)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, _: &T) -> serde_json::Result<()> {
        // serde_json writes any `Display` as a string; there is nothing to check.
        Ok(())
    }
}

macro_rules! check_elements {
    ($($trait:ident::$method:ident),*) => {
        $(impl ser::$trait for Check {
            type Ok = ();
            type Error = serde_json::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
                value.serialize(Check)
            }
            fn end(self) -> serde_json::Result<()> {
                Ok(())
            }
        })*
    };
}

check_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl SerializeMap for Check {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> serde_json::Result<()> {
        serde_json::to_writer(std::io::sink(), &OneKey(key))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
        value.serialize(Check)
    }

    fn end(self) -> serde_json::Result<()> {
        Ok(())
    }
}

macro_rules! check_fields {
    ($($trait:ident),*) => {
        $(impl ser::$trait for Check {
            type Ok = ();
            type Error = serde_json::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                value: &T,
            ) -> serde_json::Result<()> {
                value.serialize(Check)
            }
            fn end(self) -> serde_json::Result<()> {
                Ok(())
            }
        })*
    };
}

check_fields!(SerializeStruct, SerializeStructVariant);

impl<C> Members<C> {
    fn new(compound: C) -> Self {
        Members {
            compound,
            response: None,
            at_response: false,
        }
    }
}

impl<C: SerializeMap<Ok = (), Error = serde_json::Error>> SerializeMap for Members<C> {
    type Ok = Top;
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> serde_json::Result<()> {
        self.at_response = key.serialize(IsResponse).unwrap_or(false);
        self.compound.serialize_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
        if self.at_response {
            // A repeated member: the last one counts, as a JSON parser keeps it.
            self.response = Some(keep(value)?);
        }
        self.compound.serialize_value(value)
    }

    fn end(self) -> serde_json::Result<Top> {
        self.compound.end()?;
        Ok(Top::Object(self.response))
    }
}

impl<C: SerializeStruct<Ok = (), Error = serde_json::Error>> SerializeStruct for Members<C> {
    type Ok = Top;
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        if key == "response" {
            self.response = Some(keep(value)?);
        }
        self.compound.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> serde_json::Result<()> {
        self.compound.skip_field(key)
    }

    fn end(self) -> serde_json::Result<Top> {
        SerializeStruct::end(self.compound)?;
        Ok(Top::Object(self.response))
    }
}

/// A top level that is not an object, written through.
struct Other<C>(C);

macro_rules! other_through {
    ($trait:ident, $($method:ident),*) => {
        impl<C: ser::$trait<Ok = (), Error = serde_json::Error>> ser::$trait for Other<C> {
            type Ok = Top;
            type Error = serde_json::Error;
            $(fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
                self.0.$method(value)
            })*
            fn end(self) -> serde_json::Result<Top> {
                self.0.end()?;
                Ok(Top::Other)
            }
        }
    };
}

other_through!(SerializeSeq, serialize_element);
other_through!(SerializeTuple, serialize_element);
other_through!(SerializeTupleStruct, serialize_field);
other_through!(SerializeTupleVariant, serialize_field);

impl<C: ser::SerializeStructVariant<Ok = (), Error = serde_json::Error>> ser::SerializeStructVariant
    for Other<C>
{
    type Ok = Top;
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.0.serialize_field(key, value)
    }

    fn end(self) -> serde_json::Result<Top> {
        self.0.end()?;
        // `{"Variant": {...}}`: left to a full parse of the bytes, like a newtype variant.
        Ok(Top::Other)
    }
}

/// Whether a map key is the string `response` (any other key, string or not, is not).
struct IsResponse;

macro_rules! not_response {
    ($($method:ident($($ty:ty),*);)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<bool, NotAString> { Ok(false) })*
    };
}

impl Serializer for IsResponse {
    type Ok = bool;
    type Error = NotAString;
    type SerializeSeq = Impossible<bool, NotAString>;
    type SerializeTuple = Impossible<bool, NotAString>;
    type SerializeTupleStruct = Impossible<bool, NotAString>;
    type SerializeTupleVariant = Impossible<bool, NotAString>;
    type SerializeMap = Impossible<bool, NotAString>;
    type SerializeStruct = Impossible<bool, NotAString>;
    type SerializeStructVariant = Impossible<bool, NotAString>;

    fn serialize_str(self, v: &str) -> Result<bool, NotAString> {
        Ok(v == "response")
    }

    not_response! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, NotAString> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, NotAString> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, NotAString> {
        Ok(false)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAString> {
        Err(NotAString)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotAString> {
        Err(NotAString)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotAString> {
        Err(NotAString)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAString> {
        Err(NotAString)
    }
}

/// A key that is not a plain string (serde_json rejects those itself, with its own message).
#[derive(Debug)]
struct NotAString;

impl std::fmt::Display for NotAString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a string")
    }
}

impl std::error::Error for NotAString {}

impl ser::Error for NotAString {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotAString
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    /// The payload's bytes are serde_json's, and its `response` is what parsing them gives.
    fn assert_agrees<T: Serialize + Send + Sync + 'static>(answer: T) {
        let expected = serde_json::to_vec(&answer).unwrap();
        let parsed: Value = serde_json::from_slice(&expected).unwrap();
        match to_payload(answer).unwrap() {
            Payload::Object { bytes, response } => {
                assert_eq!(&bytes.get()[..], &expected[..]);
                assert!(parsed.is_object(), "{parsed}");
                assert_eq!(response.as_ref(), parsed.get("response"), "{parsed}");
            }
            // Not an object, or an enum variant's object, read from the bytes when judged.
            Payload::Bytes(bytes) => {
                assert_eq!(&bytes[..], &expected[..]);
                let variant = parsed.as_object().is_some_and(|o| o.len() == 1);
                assert!(!parsed.is_object() || variant, "{parsed}");
            }
            Payload::Json(_) => panic!("an answer is never pre-parsed JSON"),
        }
    }

    #[derive(Serialize)]
    struct Event {
        version: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        response: Response,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Response {
        email_message: Option<String>,
        sms_message: Option<String>,
    }

    #[derive(Serialize)]
    enum Tagged {
        Unit,
        Newtype(u8),
        Struct { response: u8 },
    }

    #[test]
    fn keeps_the_response_of_every_shape_an_answer_takes() {
        assert_agrees(Event {
            version: "1",
            skipped: None,
            response: Response {
                email_message: Some("code {####} \u{1F600} \"quoted\"".into()),
                sms_message: None,
            },
        });
        assert_agrees(json!({"request": {"a": [1, 2]}, "response": {"x": null}}));
        assert_agrees(json!({"response": 3}));
        assert_agrees(json!({"other": 3}));
        assert_agrees(json!(null));
        assert_agrees(json!([{"response": 1}]));
        assert_agrees(json!("text"));
        assert_agrees(Some(json!({"response": {}})));
        assert_agrees(Option::<Value>::None);
        assert_agrees(BTreeMap::from([("response", 1), ("a", 2)]));
        assert_agrees(Tagged::Unit);
        assert_agrees(Tagged::Newtype(1));
        assert_agrees(Tagged::Struct { response: 1 });
        assert_agrees((1, "response"));
    }

    #[test]
    fn a_key_serde_json_cannot_write_is_its_error() {
        let answer = BTreeMap::from([(vec![1], 1)]);
        assert_eq!(
            to_payload(answer.clone()).unwrap_err().to_string(),
            serde_json::to_vec(&answer).unwrap_err().to_string()
        );
    }
}
