//! AdminCreateUser (cognito-semantics.md §2.1, §3.4 rule 3, §3.5, rulings 3, 4, 11).

use serde_json::{json, Value};

use super::delivery::plan_message;
use super::new_users::{
    claim_verified_aliases, ensure_username_free, plan_new_user, supplied, ADMIN_CREATE_USER_EXISTS,
};
use super::password_policy::{check_policy, temporary_password, PASSWORD_RULE};
use super::requests::name_value_list;
use super::triggers::fail_with;
use super::users::user_type;
use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{serialization_error, string_map_member, string_member, Validator};
use crate::model::coral::{USERNAME_RULE, USER_POOL_ID_RULE};
use crate::pool::{DeliveryMedium, UserStatus};
use crate::trigger::{Caller, TriggerSource};

impl Cognito {
    /// AdminCreateUser: PreSignUp_AdminCreateUser (flags ignored), then, unless
    /// `MessageAction=SUPPRESS`, CustomMessage_AdminCreateUser with the temporary password on each
    /// of `DesiredDeliveryMediums` (default SMS). `RESEND` re-sends the invitation of an existing user.
    pub async fn admin_create_user(&self, request: &Value) -> Outcome {
        const ACTION: &str = "AdminCreateUser";
        let mut outcome = Outcome::new(ACTION, Ok(json!({})));
        let parsed = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let username = string_member(request, "Username")?;
            let temporary = string_member(request, "TemporaryPassword")?;
            let action = string_member(request, "MessageAction")?;
            let attributes = name_value_list(request, "UserAttributes")?.unwrap_or_default();
            let validation_data = name_value_list(request, "ValidationData")?;
            let metadata = string_map_member(request, "ClientMetadata")?.cloned();
            let mediums = match request.get("DesiredDeliveryMediums") {
                None | Some(Value::Null) => vec!["SMS".to_string()],
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|m| {
                        m.as_str().map(str::to_string).ok_or_else(|| {
                            serialization_error("DesiredDeliveryMediums", "list of strings")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err(serialization_error("DesiredDeliveryMediums", "list")),
            };
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            if let Some(p) = temporary {
                v.string("temporaryPassword", p, PASSWORD_RULE);
            }
            if let Some(a) = action {
                v.enum_value("messageAction", a, &["RESEND", "SUPPRESS"]);
            }
            for (i, m) in mediums.iter().enumerate() {
                v.enum_value(
                    &format!("desiredDeliveryMediums.{}.member", i + 1),
                    m,
                    &["SMS", "EMAIL"],
                );
            }
            v.finish()?;
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            Ok((
                pool,
                username.unwrap_or_default().to_string(),
                temporary.map(str::to_string),
                action.map(str::to_string),
                attributes,
                validation_data,
                metadata,
                mediums,
            ))
        })();
        let (pool, username, temporary, action, attributes, validation_data, metadata, mediums) =
            match parsed {
                Ok(p) => p,
                Err(e) => return Outcome::new(ACTION, Err(e)),
            };
        let resend = action.as_deref() == Some("RESEND");
        let force_alias = request
            .get("ForceAliasCreation")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let suppress = action.as_deref() == Some("SUPPRESS");

        let planned = {
            let guard = lock(&pool);
            (|| {
                let password = temporary
                    .clone()
                    .unwrap_or_else(|| temporary_password(&guard));
                check_policy(&guard, &password)?;
                if resend {
                    let user = guard.find_user(&username).ok_or_else(user_not_found)?;
                    if user.status != UserStatus::ForceChangePassword {
                        return Err(CognitoError::new(
                            ErrorCode::UnsupportedUserStateException,
                            format!(
                                "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                                user.username
                            ),
                        ));
                    }
                    let mut user = user.clone();
                    user.password = Some(password);
                    return Ok((user, None, None));
                }
                let mut user = plan_new_user(
                    &guard,
                    &username,
                    None,
                    &attributes,
                    ADMIN_CREATE_USER_EXISTS,
                )?;
                user.password = Some(password);
                user.status = UserStatus::ForceChangePassword;
                let source = TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER;
                let arn = guard.config.pre_sign_up_arn().map(str::to_string);
                // Ruling 3: ClientMetadata goes to PreSignUp_AdminCreateUser.
                let event = arn.as_ref().map(|_| {
                    crate::trigger::pre_sign_up::event(
                        &guard,
                        source,
                        &user.username,
                        Caller::Admin,
                        supplied(&user),
                        validation_data.as_ref(),
                        metadata.as_ref(),
                    )
                });
                Ok((user, arn, event))
            })()
        };
        let (user, arn, event) = match planned {
            Ok(p) => p,
            Err(e) => return Outcome::new(ACTION, Err(e)),
        };
        if !resend {
            match self
                .run_pre_sign_up(
                    &pool,
                    TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER,
                    arn,
                    event,
                    &supplied(&user),
                )
                .await
            {
                Ok((run, _ignored_flags)) => outcome.triggers.extend(run),
                Err(run) => {
                    fail_with(&mut outcome, *run);
                    return outcome;
                }
            }
        }

        let messages = if suppress {
            Vec::new()
        } else {
            let guard = lock(&pool);
            let mut messages = Vec::new();
            for medium in &mediums {
                let medium = if medium == "EMAIL" {
                    DeliveryMedium::Email
                } else {
                    DeliveryMedium::Sms
                };
                let code = user.password.clone().unwrap_or_default();
                // Ruling 3: ClientMetadata is not forwarded to CustomMessage_AdminCreateUser.
                match plan_message(
                    &guard,
                    TriggerSource::CUSTOM_MESSAGE_ADMIN_CREATE_USER,
                    medium,
                    &user,
                    code,
                    Caller::Admin,
                    None,
                ) {
                    Some(m) => messages.push(m),
                    None => outcome.warnings.push(format!(
                        "no invitation sent by {}: the user has no {} attribute",
                        medium.as_str(),
                        medium.attribute()
                    )),
                }
            }
            messages
        };
        let mut user = user;
        self.send_and_commit(&mut outcome, &pool, messages, |pool, _delivered| {
            if resend {
                let mut stored = pool
                    .find_user_mut(&user.username)
                    .ok_or_else(user_not_found)?;
                stored.password = user.password.take();
                return Ok(json!({ "User": user_type(&stored) }));
            }
            ensure_username_free(pool, &user, ADMIN_CREATE_USER_EXISTS)?;
            claim_verified_aliases(pool, &user, force_alias)?;
            let response = json!({ "User": user_type(&user) });
            pool.put_user(user);
            Ok(response)
        })
        .await;
        outcome
    }
}
