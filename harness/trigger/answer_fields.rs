//! Reading typed members out of a trigger's `response` object, for the kinds whose answer carries
//! values (UserMigration, the custom-authentication triggers). A member of the wrong type is
//! Cognito's "Unrecognizable lambda output" (ruling 1); absent and `null` both read as unset.

use serde_json::{Map, Value};

use super::shared::{json_type, unrecognizable};
use super::{TriggerSource, Verdict};

/// A `response` object and the source it answers, for typed reads.
pub(crate) struct Fields<'a> {
    pub source: TriggerSource,
    pub response: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn wrong_type(&self, name: &str, value: &Value, wanted: &str) -> Verdict {
        unrecognizable(
            self.source,
            format!("response.{name} is {}, not {wanted}", json_type(value)),
        )
    }

    /// A boolean member, `None` when absent or null.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, Verdict> {
        match self.response.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(name, other, "a boolean")),
        }
    }

    /// A string member, `None` when absent or null.
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, Verdict> {
        match self.response.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.wrong_type(name, other, "a string")),
        }
    }

    /// A map of strings, `None` when absent or null.
    pub fn string_map(&self, name: &str) -> Result<Option<Map<String, Value>>, Verdict> {
        match self.response.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => match map.iter().find(|(_, v)| !v.is_string()) {
                Some((key, v)) => Err(unrecognizable(
                    self.source,
                    format!("response.{name}.{key} is {}, not a string", json_type(v)),
                )),
                None => Ok(Some(map.clone())),
            },
            Some(other) => Err(self.wrong_type(name, other, "a map of strings")),
        }
    }

    /// A list of strings, `None` when absent or null.
    pub fn string_list(&self, name: &str) -> Result<Option<Vec<&'a str>>, Verdict> {
        match self.response.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| self.wrong_type(name, v, "a list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong_type(name, other, "a list of strings")),
        }
    }
}
