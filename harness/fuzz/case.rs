//! One fuzz case: the user and the request that fire a trigger source, before any event is built.
//! Shrinking works on cases (fewer attributes, shorter and simpler strings), the flows turn them
//! into the event Cognito sends and into the scenario that replays it.

use serde_json::{Map, Value};

use crate::trigger::TriggerSource;

/// The user and the request of one fuzzed API call.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Case {
    /// The trigger source the call fires.
    pub source: TriggerSource,
    /// The username.
    pub username: String,
    /// The user's attributes in order, without `sub`: as stored before the call for calls on an
    /// existing user, as supplied for a sign-up.
    pub attributes: Vec<(String, String)>,
    /// For CustomMessage_UpdateUserAttribute: the contact attribute the call changes, and its new
    /// value.
    pub change: Option<(String, String)>,
    /// The request's `ClientMetadata`: absent, empty, or these entries in order.
    pub client_metadata: Option<Vec<(String, String)>>,
}

impl Case {
    /// The value of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `ClientMetadata` as the request and the event carry it.
    pub fn metadata_map(&self) -> Option<Map<String, Value>> {
        self.client_metadata.as_ref().map(|entries| {
            entries
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect()
        })
    }

    /// How big the case is, for shrinking: an accepted candidate is strictly smaller. Entries
    /// first, then characters, then characters outside ASCII. The canonical simple values
    /// (username `a`, `a@example.com`, `+12065550100`) count as no characters, so shrinking ends
    /// on them rather than on an arbitrary shorter address.
    pub fn size(&self) -> (usize, usize, usize) {
        let values = self
            .attributes
            .iter()
            .chain(self.change.iter())
            .filter(|(k, v)| !canonical(k, v))
            .map(|(_, v)| v.as_str());
        let strings = self
            .client_metadata
            .iter()
            .flatten()
            .flat_map(|(k, v)| [k.as_str(), v.as_str()])
            .chain(values)
            .chain(Some(self.username.as_str()).filter(|u| *u != "a"));
        let (mut chars, mut wide) = (0, 0);
        for s in strings {
            for c in s.chars() {
                chars += 1;
                if !c.is_ascii() {
                    wide += 1;
                }
            }
        }
        let entries = self.attributes.len()
            + self
                .client_metadata
                .as_ref()
                .map_or(0, |entries| entries.len() + 1);
        (entries, chars, wide)
    }
}

/// Whether `value` is the canonical simple value of attribute `name`, which shrinking aims for.
pub(crate) fn canonical(name: &str, value: &str) -> bool {
    matches!(
        (name, value),
        ("email", "a@example.com" | "b@example.com")
            | ("phone_number", "+12065550100" | "+12065550199")
    ) || name.ends_with("_verified")
}
