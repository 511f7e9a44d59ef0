//! Model validation with AWS's Coral-style messages (cognito-semantics.md §4.1):
//! `N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy constraint: Member must …`,
//! several joined by `; `. Sensitive members (usernames, passwords, attribute values, tokens) are
//! reported without their value (`Value at 'username' …`, amazon-cognito-identity-js#551).

use serde_json::Value;

use super::cognito_error::{CognitoError, ErrorCode};
use super::patterns::{Pattern, ACCESS_TOKEN, CLIENT_ID, USERNAME, USER_POOL_ID};

/// UserPoolIdType.
pub const USER_POOL_ID_RULE: StringRule = StringRule::len(1, 55).pattern(&USER_POOL_ID);
/// UsernameType (sensitive: reported as `Value at 'username'`).
pub const USERNAME_RULE: StringRule = StringRule::len(1, 128).pattern(&USERNAME).sensitive();
/// TokenModelType (sensitive).
pub const ACCESS_TOKEN_RULE: StringRule = StringRule {
    min: None,
    max: None,
    pattern: Some(&ACCESS_TOKEN),
    sensitive: true,
};
/// ClientIdType (sensitive).
pub const CLIENT_ID_RULE: StringRule = StringRule::len(1, 128).pattern(&CLIENT_ID).sensitive();

/// Collects constraint violations in request order, then reports them the way AWS does.
#[derive(Default)]
pub struct Validator {
    errors: Vec<String>,
}

impl Validator {
    pub fn new() -> Self {
        Validator::default()
    }

    /// Records one violation. `value` is `None` for sensitive members (printed as `Value at`), and
    /// `Some("null")`-like raw text is the caller's choice; strings are quoted here.
    pub fn fail(&mut self, path: &str, value: Option<&str>, constraint: &str) {
        let shown = match value {
            Some(v) => format!("Value '{v}' at '{path}'"),
            None => format!("Value at '{path}'"),
        };
        self.errors.push(format!(
            "{shown} failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Value null at '<path>' … Member must not be null`.
    pub fn missing(&mut self, path: &str) {
        self.errors.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// A required string member: missing is an error; present is checked like [`Validator::string`].
    pub fn required_string(&mut self, path: &str, value: Option<&str>, rule: StringRule) {
        match value {
            None => self.missing(path),
            Some(v) => self.string(path, v, rule),
        }
    }

    /// Checks pattern, then lengths, in the order AWS reports them.
    pub fn string(&mut self, path: &str, value: &str, rule: StringRule) {
        let shown = if rule.sensitive { None } else { Some(value) };
        if let Some(pattern) = rule.pattern {
            if !pattern.matches(value) {
                self.fail(
                    path,
                    shown,
                    &format!(
                        "Member must satisfy regular expression pattern: {}",
                        pattern.text
                    ),
                );
            }
        }
        let len = value.chars().count();
        if let Some(min) = rule.min {
            if len < min {
                self.fail(
                    path,
                    shown,
                    &format!("Member must have length greater than or equal to {min}"),
                );
            }
        }
        if let Some(max) = rule.max {
            if len > max {
                self.fail(
                    path,
                    shown,
                    &format!("Member must have length less than or equal to {max}"),
                );
            }
        }
    }

    /// An enum member: `Member must satisfy enum value set: [A, B]`.
    pub fn enum_value(&mut self, path: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.fail(
                path,
                Some(value),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    java_set_order(allowed).join(", ")
                ),
            );
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing failed, else the InvalidParameterException AWS would return.
    pub fn finish(self) -> Result<(), CognitoError> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(CognitoError::invalid_parameter(format!(
                "1 validation error detected: {}",
                self.errors[0]
            ))),
            n => Err(CognitoError::invalid_parameter(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            ))),
        }
    }
}

/// The constraints of one string member.
#[derive(Clone, Copy, Default)]
pub struct StringRule {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub pattern: Option<&'static Pattern>,
    pub sensitive: bool,
}

impl StringRule {
    pub const fn len(min: usize, max: usize) -> Self {
        StringRule {
            min: Some(min),
            max: Some(max),
            pattern: None,
            sensitive: false,
        }
    }

    pub const fn pattern(self, pattern: &'static Pattern) -> Self {
        StringRule {
            pattern: Some(pattern),
            ..self
        }
    }

    pub const fn sensitive(self) -> Self {
        StringRule {
            sensitive: true,
            ..self
        }
    }
}

/// The order a Java `HashSet` of these strings iterates in, which is the order Coral prints an
/// enum value set (observed: `[OPTIONAL, OFF, ON]` for the model's `OFF, ON, OPTIONAL`,
/// rosberglinhares/CloudFormationCognitoCustomResources#1). Buckets are `(h ^ h >>> 16) & (n - 1)`
/// of `String.hashCode()` with the default table size; ties keep model order.
pub fn java_set_order<'a>(values: &[&'a str]) -> Vec<&'a str> {
    let mut buckets = 16usize;
    while values.len() * 4 > buckets * 3 {
        buckets *= 2;
    }
    let bucket = |s: &str| {
        let h = s
            .encode_utf16()
            .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
        ((h ^ (h >> 16)) as usize) & (buckets - 1)
    };
    let mut ordered = values.to_vec();
    ordered.sort_by_key(|s| bucket(s)); // stable: ties keep model order
    ordered
}

/// Reads the request as the awsJson1.1 protocol would: a member of the wrong JSON type is a
/// An integer member (`Limit`, `Precedence`), or None when absent or null; another JSON type is
/// the SerializationException the SDKs' protocol gives.
pub fn int_member(request: &Value, name: &str) -> Result<Option<i64>, CognitoError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(_) => Err(serialization_error(name, "integer")),
    }
}

/// SerializationException, not a validation error.
pub fn string_member<'a>(request: &'a Value, name: &str) -> Result<Option<&'a str>, CognitoError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(serialization_error(name, "string")),
    }
}

/// A `map<string,string>` member such as ClientMetadata or ValidationData... as a JSON object.
pub fn string_map_member<'a>(
    request: &'a Value,
    name: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, CognitoError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.values().all(|v| v.is_string()) {
                Ok(Some(map))
            } else {
                Err(serialization_error(name, "map of strings"))
            }
        }
        Some(_) => Err(serialization_error(name, "map of strings")),
    }
}

/// The SerializationException text the JSON protocol gives for a member of the wrong type.
pub fn serialization_error(member: &str, expected: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::SerializationException,
        format!("Unable to parse member '{member}': expected a {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::patterns::{EMAIL_MESSAGE, SMS_MESSAGE};

    #[test]
    fn java_whitespace_excludes_the_non_breaking_space() {
        assert!(EMAIL_MESSAGE.matches("Code: {####}\n<p> </p>"));
        assert!(!EMAIL_MESSAGE.matches("Code: {####}<p>\u{a0}</p>"));
        assert!(!EMAIL_MESSAGE.matches("no code here"));
    }

    #[test]
    fn sms_dot_stops_at_line_breaks() {
        assert!(SMS_MESSAGE.matches("Your code is {####}."));
        assert!(!SMS_MESSAGE.matches("Your code\nis {####}."));
    }

    #[test]
    fn enum_sets_print_in_java_hash_set_order() {
        assert_eq!(
            java_set_order(&["OFF", "ON", "OPTIONAL"]),
            ["OPTIONAL", "OFF", "ON"]
        );
    }

    #[test]
    fn messages_count_and_join_errors() {
        let mut v = Validator::new();
        v.string(
            "username",
            "",
            StringRule::len(1, 128).pattern(&USERNAME).sensitive(),
        );
        assert_eq!(
            v.finish().unwrap_err().message,
            "2 validation errors detected: Value at 'username' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+; Value at 'username' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
    }
}
