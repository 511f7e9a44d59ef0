//! Reading a function's output bytes for the judges, which only look at its `response` (ruling 1):
//! the rest of the answer (usually the echoed event) is checked for being JSON but never built into
//! a `Value`, so judging an answer costs what its `response` costs.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::Value;

/// What the judges need of an output that is JSON text.
#[derive(Debug, PartialEq)]
pub(crate) enum Output {
    /// JSON, but not an object (`null`, a string, an array, ...).
    NotObject,
    /// An object, with its `response` member if it has one (the last one, as a JSON object
    /// parser keeps it, when the member is repeated).
    Object { response: Option<Value> },
}

/// Reads `bytes` as one JSON value; `None` when it is not JSON text (trailing data included).
pub(crate) fn read(bytes: &[u8]) -> Option<Output> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let output = de.deserialize_any(OutputVisitor).ok()?;
    de.end().ok()?;
    Some(output)
}

struct OutputVisitor;

impl<'de> Visitor<'de> for OutputVisitor {
    type Value = Output;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Output, A::Error> {
        let mut response = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Key::Response => response = Some(map.next_value::<Value>()?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Output::Object { response })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Output, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Output::NotObject)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Output, E> {
        Ok(Output::NotObject)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Output, E> {
        Ok(Output::NotObject)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Output, E> {
        Ok(Output::NotObject)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Output, E> {
        Ok(Output::NotObject)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Output, E> {
        Ok(Output::NotObject)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Output, E> {
        Ok(Output::NotObject)
    }
}

/// A member name, compared without keeping it (escaped names arrive unescaped).
enum Key {
    Response,
    Other,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(if name == "response" {
            Key::Response
        } else {
            Key::Other
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reader agrees with parsing the whole output into a `Value` and taking `response`.
    #[test]
    fn reads_what_a_full_parse_reads() {
        let cases: &[&[u8]] = &[
            br#"{"version":"1","response":{"emailMessage":"code {####}"}}"#,
            br#"{"response":null}"#,
            br#"{"response":1,"response":{"a":[1,{"b":2}]}}"#,
            br#"{"res\u0070onse":{"x":"y"}}"#,
            br#"{"request":{"deep":[[[{"response":3}]]]}}"#,
            br#"{}"#,
            b"null",
            b"[1,2,{\"response\":{}}]",
            b"\"text\"",
            b"12.5",
            b"true",
            b"{\"response\":{}} trailing",
            b"{\"response\":",
            b"not json",
            b"",
        ];
        for bytes in cases {
            let full = serde_json::from_slice::<Value>(bytes)
                .ok()
                .map(|v| match v {
                    Value::Object(mut m) => Output::Object {
                        response: m.remove("response"),
                    },
                    _ => Output::NotObject,
                });
            assert_eq!(read(bytes), full, "{}", String::from_utf8_lossy(bytes));
        }
        assert_eq!(
            read(br#"{"response":{"a":1}}"#),
            Some(Output::Object {
                response: Some(json!({"a": 1}))
            })
        );
    }
}
