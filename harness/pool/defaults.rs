//! Cognito's defaults for pool settings, and what an UpdateUserPool call resets
//! (cognito-semantics.md §4.1, DG-UPD: "if you don't provide a value for an attribute, Amazon
//! Cognito sets it to its default value").
//!
//! The stored [`PoolConfig`] holds what the last CreateUserPool/UpdateUserPool request said.
//! [`effective`] fills in the defaults a member takes when it was left out, which is what
//! DescribeUserPool shows and what [`reset_warnings`] compares.
//!
//! Warning wording, one line per changed leaf (`Parent.Child` paths in the API's PascalCase):
//! - `LambdaConfig.<Trigger> removed`: the trigger no longer fires;
//! - `<Path> reset to default ([])`: a list that is now empty (`AutoVerifiedAttributes`);
//! - `<Path> reset to default (<value>)`: a setting that now has Cognito's default value
//!   (`MfaConfiguration reset to default (OFF)`);
//! - `<Path> reset to default`: a setting that is now unset, so Cognito's built-in behaviour
//!   applies (`VerificationMessageTemplate.EmailMessage reset to default`: the default message).
//!
//! Only leaves the request did not name are reported: a value the caller sent on purpose is
//! a change, not a reset.

use serde_json::{json, Map, Value};

use super::config::PoolConfig;
use super::schema::STANDARD_ATTRIBUTES;

/// The value each top-level member takes when a request leaves it out. Assumed from what
/// DescribeUserPool returns for a pool created with no settings (no public capture lists all of
/// them); members absent here are simply unset.
pub fn member_default(member: &str) -> Option<Value> {
    Some(match member {
        "Policies" => json!({
            "PasswordPolicy": {
                "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                "RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}
        }),
        "DeletionProtection" => json!("INACTIVE"),
        "LambdaConfig" => json!({}),
        "VerificationMessageTemplate" => json!({"DefaultEmailOption": "CONFIRM_WITH_CODE"}),
        "UserAttributeUpdateSettings" => json!({"AttributesRequireVerificationBeforeUpdate": []}),
        "MfaConfiguration" => json!("OFF"),
        "EmailConfiguration" => json!({"EmailSendingAccount": "COGNITO_DEFAULT"}),
        "UserPoolTags" => json!({}),
        "AdminCreateUserConfig" => {
            json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7})
        }
        "UserPoolTier" => json!("ESSENTIALS"),
        _ => return None,
    })
}

/// Members whose default applies inside a member the request did give.
const NESTED_DEFAULTS: [(&str, &str, &str); 2] = [
    (
        "VerificationMessageTemplate",
        "DefaultEmailOption",
        "CONFIRM_WITH_CODE",
    ),
    (
        "EmailConfiguration",
        "EmailSendingAccount",
        "COGNITO_DEFAULT",
    ),
];

/// The configuration as Cognito holds it: the stored members plus the defaults of the rest.
pub fn effective(config: &PoolConfig) -> Map<String, Value> {
    let mut map = match serde_json::to_value(config) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for member in [
        "Policies",
        "DeletionProtection",
        "LambdaConfig",
        "VerificationMessageTemplate",
        "UserAttributeUpdateSettings",
        "MfaConfiguration",
        "EmailConfiguration",
        "UserPoolTags",
        "AdminCreateUserConfig",
        "UserPoolTier",
    ] {
        if !map.contains_key(member) {
            if let Some(default) = member_default(member) {
                map.insert(member.to_string(), default);
            }
        }
    }
    for (parent, child, default) in NESTED_DEFAULTS {
        if let Some(Value::Object(inner)) = map.get_mut(parent) {
            inner.entry(child).or_insert_with(|| json!(default));
        }
    }
    map
}

/// What an update changed that its request did not name, worded as in the module docs.
pub fn reset_warnings(before: &PoolConfig, after: &PoolConfig, request: &Value) -> Vec<String> {
    let old = leaves(&Value::Object(effective(before)));
    let new = leaves(&Value::Object(effective(after)));
    let named = leaves(request);
    let mut warnings = Vec::new();
    for (path, old_value) in &old {
        let new_value = new.iter().find(|(p, _)| p == path).map(|(_, v)| v);
        if new_value == Some(old_value) || named.iter().any(|(p, _)| p == path) {
            continue;
        }
        warnings.push(match new_value {
            Some(Value::String(s)) => format!("{path} reset to default ({s})"),
            Some(v) => format!("{path} reset to default ({v})"),
            None if path.starts_with("LambdaConfig.") => format!("{path} removed"),
            None if old_value.is_array() => format!("{path} reset to default ([])"),
            None => format!("{path} reset to default"),
        });
    }
    warnings
}

/// `(Parent.Child, value)` for every leaf: objects are walked, lists and scalars are leaves.
/// Members sent as `null` count as left out.
fn leaves(value: &Value) -> Vec<(String, Value)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, v, out);
                }
            }
            Value::Null => {}
            _ if prefix.is_empty() => {}
            v => out.push((prefix.to_string(), v.clone())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// The `SchemaAttributes` DescribeUserPool lists: the standard attributes with Cognito's
/// constraints, then the pool's custom attributes (`custom:` prefixed).
pub fn schema_attributes(config: &PoolConfig) -> Value {
    let custom = config.schema.as_deref().unwrap_or_default();
    let mut list: Vec<Value> = STANDARD_ATTRIBUTES
        .iter()
        .map(|&name| {
            // The pool's Schema may make a standard attribute required (or immutable).
            let entry = custom.iter().find(|a| a.name.as_deref() == Some(name));
            let data_type = match name {
                "email_verified" | "phone_number_verified" => "Boolean",
                "updated_at" => "Number",
                _ => "String",
            };
            let mut attr = json!({
                "Name": name,
                "AttributeDataType": data_type,
                "DeveloperOnlyAttribute": false,
                "Mutable": entry.and_then(|e| e.mutable).unwrap_or(name != "sub"),
                "Required": entry.and_then(|e| e.required).unwrap_or(name == "sub"),
            });
            match data_type {
                "String" => {
                    let min = if name == "sub" { "1" } else { "0" };
                    attr["StringAttributeConstraints"] =
                        json!({"MinLength": min, "MaxLength": "2048"});
                }
                "Number" => attr["NumberAttributeConstraints"] = json!({"MinValue": "0"}),
                _ => {}
            }
            attr
        })
        .collect();
    for entry in custom {
        let Some(name) = entry.name.as_deref() else {
            continue;
        };
        if STANDARD_ATTRIBUTES.contains(&name) {
            continue;
        }
        let mut attr = serde_json::to_value(entry).unwrap_or_else(|_| json!({}));
        let full = if name.starts_with("custom:") || name.starts_with("dev:") {
            name.to_string()
        } else {
            format!("custom:{name}")
        };
        attr["Name"] = json!(full);
        attr.as_object_mut()
            .map(|o| o.entry("DeveloperOnlyAttribute").or_insert(json!(false)));
        list.push(attr);
    }
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_members_take_their_defaults() {
        let config: PoolConfig = serde_json::from_value(
            json!({"VerificationMessageTemplate": {"SmsMessage": "Code {####}"}}),
        )
        .unwrap();
        let map = effective(&config);
        assert_eq!(map["MfaConfiguration"], "OFF");
        assert_eq!(
            map["VerificationMessageTemplate"]["DefaultEmailOption"],
            "CONFIRM_WITH_CODE"
        );
        assert_eq!(
            map["VerificationMessageTemplate"]["SmsMessage"],
            "Code {####}"
        );
    }

    #[test]
    fn leaves_skip_nulls_and_keep_lists_whole() {
        let found = leaves(&json!({"A": {"B": [1, 2], "C": null}, "D": "x"}));
        assert_eq!(
            found,
            vec![
                ("A.B".to_string(), json!([1, 2])),
                ("D".to_string(), json!("x"))
            ]
        );
    }
}
