//! Listing and removing users: ListUsers and AdminDeleteUser. Neither fires a trigger.

use base64::Engine as _;
use serde_json::{json, Value};

use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::cognito_error::CognitoError;
use crate::model::coral::USER_POOL_ID_RULE;
use crate::model::coral::{string_member, StringRule, Validator};
use crate::pool::{User, UserPool};

/// ListUsers answers at most 60 users per page (botocore: QueryLimitType max 60).
const MAX_LIMIT: i64 = 60;
/// The attributes ListUsers can filter on (API reference, ListUsers `Filter`).
const FILTERABLE: [&str; 10] = [
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// `attribute = "value"` (exact) or `attribute ^= "value"` (prefix).
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

impl Cognito {
    /// ListUsers: `{"Users": [...], "PaginationToken"?}` with basic `Filter`, `Limit`,
    /// `AttributesToGet` and pagination.
    pub fn list_users(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let filter_text = string_member(request, "Filter")?;
            let token = string_member(request, "PaginationToken")?;
            let limit = crate::model::coral::int_member(request, "Limit")?;
            let attributes_to_get = match request.get("AttributesToGet") {
                None | Some(Value::Null) => None,
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            crate::model::coral::serialization_error(
                                "AttributesToGet",
                                "list of strings",
                            )
                        })?,
                ),
                Some(_) => {
                    return Err(crate::model::coral::serialization_error(
                        "AttributesToGet",
                        "list of strings",
                    ))
                }
            };
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            match limit {
                Some(l) if l > MAX_LIMIT => v.fail(
                    "limit",
                    Some(&l.to_string()),
                    &format!("Member must have value less than or equal to {MAX_LIMIT}"),
                ),
                Some(l) if l < 0 => v.fail(
                    "limit",
                    Some(&l.to_string()),
                    "Member must have value greater than or equal to 0",
                ),
                _ => {}
            }
            if let Some(f) = filter_text {
                v.string(
                    "filter",
                    f,
                    StringRule {
                        max: Some(256),
                        ..StringRule::default()
                    },
                );
            }
            v.finish()?;
            let filter = filter_text
                .filter(|f| !f.trim().is_empty())
                .map(parse_filter)
                .transpose()?;
            let limit = limit.filter(|l| *l > 0).unwrap_or(MAX_LIMIT) as usize;
            let skip = token.map(decode_token).transpose()?.unwrap_or(0);

            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            let guard = lock(&pool);
            let candidates: Box<dyn Iterator<Item = &User>> =
                match filter.as_ref().and_then(|f| f.indexed(&guard)) {
                    Some(found) => Box::new(found.into_iter()),
                    None => Box::new(guard.users()),
                };
            let mut matching = candidates
                .filter(|u| filter.as_ref().is_none_or(|f| f.matches(u)))
                .skip(skip);
            let page: Vec<&User> = matching.by_ref().take(limit).collect();
            let more = matching.next().is_some();
            let users: Vec<Value> = page
                .iter()
                .map(|u| listed_user(u, attributes_to_get.as_deref()))
                .collect();
            let mut response = json!({ "Users": users });
            if more {
                response["PaginationToken"] = json!(encode_token(skip + page.len()));
            }
            Ok(response)
        })();
        Outcome::new("ListUsers", result)
    }

    /// AdminDeleteUser: `{}`; the user, their codes and their tokens are gone.
    pub fn admin_delete_user(&self, request: &Value) -> Outcome {
        let result = self
            .admin_user_request(request, |_| Ok(()))
            .and_then(|req| {
                lock(&req.pool)
                    .remove_user(&req.username)
                    .ok_or_else(user_not_found)?;
                Ok(json!({}))
            });
        Outcome::new("AdminDeleteUser", result)
    }
}

/// UserType as ListUsers returns it, keeping only `AttributesToGet` when the request names them.
fn listed_user(user: &User, attributes_to_get: Option<&[String]>) -> Value {
    let mut listed = super::users::user_type(user);
    if let (Some(wanted), Value::Array(list)) = (attributes_to_get, &mut listed["Attributes"]) {
        list.retain(|a| {
            a["Name"]
                .as_str()
                .is_some_and(|n| wanted.iter().any(|w| w == n))
        });
    }
    listed
}

/// Parses `name = "value"` / `name ^= "value"`.
fn parse_filter(text: &str) -> Result<Filter, CognitoError> {
    // Assumed message: real Cognito's text for a filter it cannot read.
    let invalid = || CognitoError::invalid_parameter("Error while parsing filter.");
    let (attribute, rest, prefix) = match (text.find("^="), text.find('=')) {
        (Some(i), _) => (&text[..i], &text[i + 2..], true),
        (None, Some(i)) => (&text[..i], &text[i + 1..], false),
        _ => return Err(invalid()),
    };
    let attribute = attribute.trim().trim_matches('"').to_string();
    let rest = rest.trim();
    let value = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(invalid)?;
    if !FILTERABLE.contains(&attribute.as_str()) {
        return Err(CognitoError::invalid_parameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Filter {
        attribute,
        prefix,
        value: value.to_string(),
    })
}

impl Filter {
    /// The users an exact filter on an indexed attribute can match, found without a scan (in
    /// username order, as a scan lists them); None for a prefix or an unindexed attribute.
    fn indexed<'p>(&self, pool: &'p UserPool) -> Option<Vec<&'p User>> {
        if self.prefix {
            return None;
        }
        match self.attribute.as_str() {
            "username" => Some(pool.user_named(&self.value).into_iter().collect()),
            "sub" => Some(pool.user_by_sub(&self.value).into_iter().collect()),
            other => pool.users_with(other, &self.value),
        }
    }

    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.as_str()),
            "cognito:user_status" => Some(user.status.as_str()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }),
            other => user.attribute(other),
        };
        match actual {
            Some(a) if self.prefix => a.starts_with(&self.value),
            Some(a) => a == self.value,
            None => false,
        }
    }
}

/// Pagination tokens are opaque to clients; ours count the users already listed (assumed: users
/// added or removed between pages can shift the window, as the harness keeps no snapshot).
fn encode_token(listed: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("listed:{listed}"))
}

fn decode_token(token: &str) -> Result<usize, CognitoError> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix("listed:")?.parse().ok())
        .ok_or_else(|| CognitoError::invalid_parameter("Invalid pagination token."))
}
