//! AdminUpdateUserAttributes and UpdateUserAttributes (cognito-semantics.md §2.2, §4.2, rulings 5,
//! 10, 11, 13, 16).

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::codes::new_code;
use super::delivery::{code_delivery_details, PlannedMessage};
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::ACCESS_TOKEN_RULE;
use crate::model::coral::{
    serialization_error, string_map_member, string_member, StringRule, Validator,
};
use crate::model::patterns::ATTRIBUTE_NAME;
use crate::pool::{CodePurpose, DeliveryMedium, IssuedCode, User, UserPool};
use crate::trigger::{Caller, TriggerSource};

/// The attributes Cognito verifies with a code (§2.2).
const VERIFIABLE: [&str; 2] = ["email", "phone_number"];

/// One `{"Name", "Value"}` of the request.
struct AttributeUpdate {
    name: String,
    /// `Name` was absent or null (an empty string is a present, too-short name).
    name_missing: bool,
    value: String,
}

/// What the call will do to the user, computed under the lock and applied after the triggers.
#[derive(Default)]
struct Changes {
    /// Attributes to set (`None` deletes), in request order.
    set: IndexMap<String, Option<String>>,
    /// Values that wait for verification (AttributesRequireVerificationBeforeUpdate).
    pending: Vec<(String, String)>,
    /// Codes to issue, one per verifiable attribute that changed.
    codes: Vec<(String, String)>,
    /// The sign-in aliases the update claims (a new value, or one marked verified): checked at
    /// planning and again at commit, as another call may have claimed them meanwhile.
    claims: Vec<(&'static str, String)>,
}

impl Cognito {
    /// AdminUpdateUserAttributes: answers `{}`; fires CustomMessage_UpdateUserAttribute for each
    /// verifiable attribute that changes in a pool that verifies it.
    pub async fn admin_update_user_attributes(&self, request: &Value) -> Outcome {
        const ACTION: &str = "AdminUpdateUserAttributes";
        let mut attributes = None;
        let parsed = self.admin_user_request(request, |v| {
            attributes = attribute_list(request)?;
            validate_attributes(v, attributes.as_deref());
            Ok(())
        });
        match parsed {
            Ok(req) => {
                let attributes = attributes.unwrap_or_default();
                let metadata = req.metadata.as_ref();
                self.update_attributes(
                    ACTION,
                    &req.pool,
                    &req.username,
                    Caller::Admin,
                    attributes,
                    metadata,
                )
                .await
            }
            Err(e) => Outcome::new(ACTION, Err(e)),
        }
    }

    /// UpdateUserAttributes: the user's own call with an access token; answers with a masked
    /// `CodeDeliveryDetailsList`. The event's clientId is the token's app client (ruling 13).
    pub async fn update_user_attributes(&self, request: &Value) -> Outcome {
        const ACTION: &str = "UpdateUserAttributes";
        let parsed = (|| {
            let token = string_member(request, "AccessToken")?;
            let attributes = attribute_list(request)?;
            let metadata = string_map_member(request, "ClientMetadata")?;
            let mut v = Validator::new();
            validate_attributes(&mut v, attributes.as_deref());
            v.required_string("accessToken", token, ACCESS_TOKEN_RULE);
            v.finish()?;
            let (pool, grant) = self.pool_for_token(token.unwrap_or_default())?;
            Ok((pool, grant, attributes.unwrap_or_default(), metadata))
        })();
        match parsed {
            Ok((pool, grant, attributes, metadata)) => {
                let caller = Caller::Client(&grant.client_id);
                self.update_attributes(ACTION, &pool, &grant.username, caller, attributes, metadata)
                    .await
            }
            Err(e) => Outcome::new(ACTION, Err(e)),
        }
    }

    async fn update_attributes(
        &self,
        action: &str,
        pool: &PoolHandle,
        username: &str,
        caller: Caller<'_>,
        attributes: Vec<AttributeUpdate>,
        metadata: Option<&Map<String, Value>>,
    ) -> Outcome {
        // Plan under the lock.
        let planned = {
            let guard = lock(pool);
            plan(&guard, username, caller, &attributes, metadata)
        };
        let (stored_username, sub, changes, messages) = match planned {
            Ok(p) => p,
            Err(e) => return Outcome::new(action, Err(e)),
        };

        // Run and judge the triggers, then commit: all or nothing (ruling 11).
        let mut outcome = Outcome::new(action, Ok(json!({})));
        let now = self.now();
        self.send_and_commit(&mut outcome, pool, messages, |pool, delivered| {
            // The plan holds for the user it was made for, and only while its aliases are free.
            if pool
                .find_user(&stored_username)
                .is_none_or(|u| u.sub != sub)
            {
                return Err(user_not_found());
            }
            ensure_claims_free(pool, &stored_username, &changes.claims)?;
            let mut user = pool
                .find_user_mut(&stored_username)
                .ok_or_else(user_not_found)?;
            apply(&mut user, &changes, now);
            Ok(match caller {
                Caller::Admin => json!({}),
                Caller::Client(_) => {
                    let list: Vec<Value> = delivered.iter().map(code_delivery_details).collect();
                    json!({ "CodeDeliveryDetailsList": list })
                }
            })
        })
        .await;
        outcome
    }
}

/// Reads `UserAttributes` as `[{"Name", "Value"}]`; shape errors are the protocol's.
fn attribute_list(request: &Value) -> Result<Option<Vec<AttributeUpdate>>, CognitoError> {
    let Some(list) = request.get("UserAttributes").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = list.as_array() else {
        return Err(serialization_error("UserAttributes", "list"));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(obj) = item.as_object() else {
            return Err(serialization_error(
                "UserAttributes",
                "list of AttributeType",
            ));
        };
        let text = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(serialization_error(key, "string")),
        };
        let name = text("Name")?;
        out.push(AttributeUpdate {
            name_missing: name.is_none(),
            name: name.unwrap_or_default(),
            value: text("Value")?.unwrap_or_default(),
        });
    }
    Ok(Some(out))
}

/// The model's constraints on `UserAttributes` (§4.2): required; names 1–32 with the attribute-name
/// pattern; values at most 2048 (sensitive, so printed without the value).
fn validate_attributes(v: &mut Validator, attributes: Option<&[AttributeUpdate]>) {
    let Some(attributes) = attributes else {
        v.missing("userAttributes");
        return;
    };
    for (i, attribute) in attributes.iter().enumerate() {
        let path = format!("userAttributes.{}.member", i + 1);
        if attribute.name_missing {
            v.missing(&format!("{path}.name"));
        } else {
            v.string(
                &format!("{path}.name"),
                &attribute.name,
                StringRule::len(1, 32).pattern(&ATTRIBUTE_NAME),
            );
        }
        v.string(
            &format!("{path}.value"),
            &attribute.value,
            StringRule {
                max: Some(2048),
                sensitive: true,
                ..Default::default()
            },
        );
    }
}

/// Checks the request against the pool and plans its effects and messages.
fn plan(
    pool: &UserPool,
    username: &str,
    caller: Caller<'_>,
    attributes: &[AttributeUpdate],
    metadata: Option<&Map<String, Value>>,
) -> Result<(String, String, Changes, Vec<PlannedMessage>), CognitoError> {
    let user = pool.find_user(username).ok_or_else(user_not_found)?;

    // Schema checks: one line per offending attribute, each ending in a newline (§4.2, observed).
    let mut problems = String::new();
    for attribute in attributes {
        match pool.schema.get(&attribute.name) {
            None => problems.push_str(&format!(
                "user.{}: Attribute does not exist in the schema.\n",
                attribute.name
            )),
            Some(def) if !def.mutable => problems.push_str(&format!(
                "user.{}: Attribute cannot be updated.\n",
                attribute.name
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(CognitoError::invalid_parameter(problems));
    }

    let requested = |name: &str| {
        attributes
            .iter()
            .rev()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    };
    let mut changes = Changes::default();
    for attribute in attributes {
        let value = (!attribute.value.is_empty()).then(|| attribute.value.clone());
        changes.set.insert(attribute.name.clone(), value);
    }
    changes.claims = alias_claims(user, &changes.set);
    ensure_claims_free(pool, &user.username, &changes.claims)?;
    for attr in VERIFIABLE {
        let Some(Some(new_value)) = changes.set.get(attr).cloned() else {
            continue;
        };
        if user.attribute(attr) == Some(new_value.as_str()) {
            continue;
        }
        let verified_flag = format!("{attr}_verified");
        let marked_verified = requested(&verified_flag) == Some("true");
        if pool.config.auto_verifies(attr) && !marked_verified {
            changes.codes.push((attr.to_string(), new_value.clone()));
            if pool.config.requires_verification_before_update(attr) {
                // Ruling 5: the stored value stays until the user verifies the new one.
                changes.set.shift_remove(attr);
                changes.pending.push((attr.to_string(), new_value));
                continue;
            }
        }
        if !changes.set.contains_key(&verified_flag) {
            changes.set.insert(verified_flag, Some("false".to_string()));
        }
    }

    // The event shows the user as stored after the update (ruling 5).
    let mut updated = user.clone();
    apply(
        &mut updated,
        &Changes {
            set: changes.set.clone(),
            pending: Vec::new(),
            codes: Vec::new(),
            claims: Vec::new(),
        },
        0,
    );
    let arn = pool.config.custom_message_arn().map(str::to_string);
    let source = TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE;
    let messages = changes
        .codes
        .iter()
        .map(|(attr, destination)| PlannedMessage {
            source,
            medium: if attr == "email" {
                DeliveryMedium::Email
            } else {
                DeliveryMedium::Sms
            },
            username: user.username.clone(),
            destination: destination.clone(),
            code: new_code(),
            event: arn.as_ref().map(|_| {
                crate::trigger::custom_message::event(pool, source, &updated, caller, metadata)
            }),
            arn: arn.clone(),
            link: None,
            sender: None,
        })
        .map(|m| m.routed(pool, &updated, caller, metadata))
        .collect::<Vec<_>>();
    // Remember the codes that were actually generated, for VerifyUserAttribute.
    changes.codes = messages
        .iter()
        .map(|m| (m.medium.attribute().to_string(), m.code.clone()))
        .collect();
    Ok((user.username.clone(), user.sub.clone(), changes, messages))
}

/// The aliases an update claims (ruling 10, §C): each verifiable attribute set to a new value,
/// and each marked `*_verified = true` (with its new or its stored value), in [`VERIFIABLE`]
/// order.
fn alias_claims(
    user: &User,
    set: &IndexMap<String, Option<String>>,
) -> Vec<(&'static str, String)> {
    VERIFIABLE
        .into_iter()
        .filter_map(|attr| {
            let marked_verified =
                set.get(&format!("{attr}_verified")) == Some(&Some("true".to_string()));
            let value = match set.get(attr) {
                Some(Some(new)) if user.attribute(attr) != Some(new.as_str()) => new.clone(),
                Some(Some(same)) if marked_verified => same.clone(),
                None if marked_verified => user.attribute(attr)?.to_string(),
                _ => return None,
            };
            Some((attr, value))
        })
        .collect()
}

/// AliasExistsException when another user holds a claimed alias verified (ruling 10).
fn ensure_claims_free(
    pool: &UserPool,
    username: &str,
    claims: &[(&'static str, String)],
) -> Result<(), CognitoError> {
    match claims
        .iter()
        .find(|(attr, value)| pool.alias_holder(attr, value, username).is_some())
    {
        Some((attr, _)) => Err(CognitoError::new(
            ErrorCode::AliasExistsException,
            format!("An account with the given {attr} already exists."),
        )),
        None => Ok(()),
    }
}

/// Applies planned changes to the stored user; codes expire 24 h after `now` on Cognito's clock.
fn apply(user: &mut User, changes: &Changes, now: u64) {
    for (name, value) in &changes.set {
        match value {
            Some(v) => {
                user.attributes.insert(name.clone(), v.clone());
            }
            None => {
                user.attributes.shift_remove(name);
            }
        }
    }
    for (attr, value) in &changes.pending {
        user.pending.insert(attr.clone(), value.clone());
    }
    let expires_at = now + super::codes::CONFIRMATION_CODE_SECONDS;
    for (attr, code) in &changes.codes {
        user.codes.insert(
            CodePurpose::VerifyAttribute(attr.clone()),
            IssuedCode {
                code: code.clone(),
                expires_at,
            },
        );
    }
    user.last_modified = crate::pool::now_seconds();
}
