//! Managing users and app clients: AdminDisableUser, AdminEnableUser, DeleteUserAttributes,
//! AdminDeleteUserAttributes, ListUserPools, ListUserPoolClients, UpdateUserPoolClient and
//! DeleteUserPoolClient, with the model's validation and Cognito's texts
//! (docs/cognito-semantics.md §SU).

use serde_json::{json, Value};

use super::paging::{page_of, skipped};
use super::update_user_pool::describe_pool;
use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{
    int_member, serialization_error, string_member, StringRule, Validator, CLIENT_ID_RULE,
    USER_POOL_ID_RULE,
};
use crate::model::patterns::USERNAME;
use crate::pool::{now_seconds, UserPool};

/// AttributeNameType: 1–32, `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`.
const ATTRIBUTE_NAME_RULE: StringRule = StringRule::len(1, 32).pattern(&USERNAME);
/// PoolQueryLimitType and QueryLimit: 1–60.
const MAX_RESULTS: i64 = 60;

/// `UserAttributeNames`: a list of strings, or absent.
fn name_list(request: &Value) -> Result<Option<Vec<&str>>, CognitoError> {
    match request.get("UserAttributeNames") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| serialization_error("UserAttributeNames", "string"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(CognitoError::new(
            ErrorCode::SerializationException,
            "Start of list found where not expected.",
        )),
    }
}

/// Checks `UserAttributeNames` (required) as the model constrains it.
fn check_names(v: &mut Validator, names: Option<&[&str]>) {
    match names {
        None => v.missing("userAttributeNames"),
        Some(names) => {
            for (i, name) in names.iter().enumerate() {
                v.string(
                    &format!("userAttributeNames.{}.member", i + 1),
                    name,
                    ATTRIBUTE_NAME_RULE,
                );
            }
        }
    }
}

/// Deletes `names` from the user's attributes: a required attribute (or `sub`) cannot be
/// deleted; names the user does not have are ignored.
fn delete_attributes(
    pool: &mut UserPool,
    username: &str,
    names: &[&str],
) -> Result<(), CognitoError> {
    let required: Vec<String> = pool.schema.required().map(str::to_string).collect();
    for name in names {
        let plain = name.strip_prefix("custom:").unwrap_or(name);
        if *name == "sub" || required.iter().any(|r| r == plain || r == name) {
            return Err(CognitoError::invalid_parameter(format!(
                "Cannot delete required attribute: {name}"
            )));
        }
    }
    let mut user = pool.find_user_mut(username).ok_or_else(user_not_found)?;
    for name in names {
        user.attributes.shift_remove(*name);
        // A verified flag goes with its attribute.
        if matches!(*name, "email" | "phone_number") {
            user.attributes.shift_remove(&format!("{name}_verified"));
        }
    }
    user.last_modified = now_seconds();
    Ok(())
}

/// `MaxResults` (1–60; required for ListUserPools) and `NextToken`: how many to skip and take.
fn page(
    request: &Value,
    v: &mut Validator,
    required: bool,
) -> Result<(usize, usize), CognitoError> {
    let max = int_member(request, "MaxResults")?;
    let token = string_member(request, "NextToken")?;
    match max {
        None if required => v.missing("maxResults"),
        Some(m) if m < 1 => v.fail(
            "maxResults",
            Some(&m.to_string()),
            "Member must have value greater than or equal to 1",
        ),
        Some(m) if m > MAX_RESULTS => v.fail(
            "maxResults",
            Some(&m.to_string()),
            &format!("Member must have value less than or equal to {MAX_RESULTS}"),
        ),
        _ => {}
    }
    let skip = skipped(token)?;
    Ok((
        skip,
        max.unwrap_or(MAX_RESULTS).clamp(1, MAX_RESULTS) as usize,
    ))
}

/// ResourceNotFoundException for a client the pool does not have.
fn client_not_in_pool(client_id: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool client {client_id} does not exist."),
    )
}

impl Cognito {
    /// AdminDisableUser: the user can no longer sign in or refresh (`User is disabled.`) and
    /// their access tokens are revoked (API reference); ListUsers still lists them.
    pub fn admin_disable_user(&self, request: &Value) -> Outcome {
        Outcome::new("AdminDisableUser", self.set_enabled(request, false))
    }

    /// AdminEnableUser: the user can sign in again.
    pub fn admin_enable_user(&self, request: &Value) -> Outcome {
        Outcome::new("AdminEnableUser", self.set_enabled(request, true))
    }

    fn set_enabled(&self, request: &Value, enabled: bool) -> Result<Value, CognitoError> {
        let req = self.admin_user_request(request, |_| Ok(()))?;
        let mut guard = lock(&req.pool);
        let mut user = guard
            .find_user_mut(&req.username)
            .ok_or_else(user_not_found)?;
        user.enabled = enabled;
        user.last_modified = now_seconds();
        let username = user.username.clone();
        drop(user);
        if !enabled {
            guard.revoke_user_access_tokens(&username);
        }
        Ok(json!({}))
    }

    /// DeleteUserAttributes: the signed-in user deletes some of their attributes.
    pub fn delete_user_attributes(&self, request: &Value) -> Outcome {
        let result = (|| {
            let names = name_list(request)?;
            let (pool, grant) = self.access_token_request(request, |v| {
                check_names(v, names.as_deref());
                Ok(())
            })?;
            let mut guard = lock(&pool);
            delete_attributes(&mut guard, &grant.username, &names.unwrap_or_default())?;
            Ok(json!({}))
        })();
        Outcome::new("DeleteUserAttributes", result)
    }

    /// AdminDeleteUserAttributes: an administrator deletes some of a user's attributes.
    pub fn admin_delete_user_attributes(&self, request: &Value) -> Outcome {
        let result = (|| {
            let names = name_list(request)?;
            let req = self.admin_user_request(request, |v| {
                check_names(v, names.as_deref());
                Ok(())
            })?;
            let mut guard = lock(&req.pool);
            delete_attributes(&mut guard, &req.username, &names.unwrap_or_default())?;
            Ok(json!({}))
        })();
        Outcome::new("AdminDeleteUserAttributes", result)
    }

    /// ListUserPools: UserPoolDescriptionType of every pool, by id, `MaxResults` at a time.
    pub fn list_user_pools(&self, request: &Value) -> Outcome {
        let result = (|| {
            let mut v = Validator::new();
            let (skip, take) = page(request, &mut v, true)?;
            v.finish()?;
            let mut ids = self.pool_ids();
            ids.sort();
            let pools: Vec<Value> = ids
                .iter()
                .filter_map(|id| {
                    self.with_pool(id, |pool| {
                        let described = describe_pool(pool);
                        let mut entry = json!({"Id": pool.id});
                        for key in ["Name", "LambdaConfig", "LastModifiedDate", "CreationDate"] {
                            if let Some(value) = described.get(key) {
                                entry[key] = value.clone();
                            }
                        }
                        entry
                    })
                })
                .collect();
            Ok(page_of("UserPools", pools, skip, take))
        })();
        Outcome::new("ListUserPools", result)
    }

    /// ListUserPoolClients: `{ClientId, UserPoolId, ClientName}` of the pool's clients.
    pub fn list_user_pool_clients(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            let (skip, take) = page(request, &mut v, false)?;
            v.finish()?;
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            let guard = lock(&pool);
            let clients: Vec<Value> = guard
                .clients()
                .map(|c| {
                    json!({
                        "ClientId": c.client_id,
                        "UserPoolId": guard.id,
                        "ClientName": c.client_name,
                    })
                })
                .collect();
            Ok(page_of("UserPoolClients", clients, skip, take))
        })();
        Outcome::new("ListUserPoolClients", result)
    }

    /// UpdateUserPoolClient: replaces the client's settings; as on AWS, a member left out is
    /// reset to its default, not kept. The id, secret and creation date stay.
    pub fn update_user_pool_client(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let client_id = string_member(request, "ClientId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.finish()?;
            let (pool_id, client_id) = (pool_id.unwrap_or_default(), client_id.unwrap_or_default());
            let pool = self.require_pool(pool_id)?;
            let current = {
                let guard = lock(&pool);
                guard
                    .client(client_id)
                    .cloned()
                    .ok_or_else(|| client_not_in_pool(client_id))?
            };
            // The description is built, and the request checked, as CreateUserPoolClient does.
            let mut create = request.clone();
            if create.get("ClientName").is_none_or(Value::is_null) {
                create["ClientName"] = json!(current.client_name);
            }
            create["GenerateSecret"] = json!(false);
            let description = self.describe_client_request(pool_id, &create)?;
            let mut guard = lock(&pool);
            let created = guard
                .client_description(client_id)
                .and_then(|d| d.get("CreationDate").cloned());
            let mut client = current;
            client.client_name = description["ClientName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            client.explicit_auth_flows = description
                .get("ExplicitAuthFlows")
                .and_then(Value::as_array)
                .map(|f| {
                    f.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let mut description = description;
            description["ClientId"] = json!(client.client_id);
            if let Some(secret) = &client.client_secret {
                description["ClientSecret"] = json!(secret);
            }
            if let Some(created) = created {
                description["CreationDate"] = created;
            }
            guard.put_client(client.clone());
            guard.put_client_description(&client.client_id, description.clone());
            Ok(json!({ "UserPoolClient": description }))
        })();
        Outcome::new("UpdateUserPoolClient", result)
    }

    /// DeleteUserPoolClient: the client is gone; signing in through it is refused after.
    pub fn delete_user_pool_client(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let client_id = string_member(request, "ClientId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.finish()?;
            let client_id = client_id.unwrap_or_default();
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            lock(&pool)
                .remove_client(client_id)
                .ok_or_else(|| client_not_in_pool(client_id))?;
            Ok(json!({}))
        })();
        Outcome::new("DeleteUserPoolClient", result)
    }
}
