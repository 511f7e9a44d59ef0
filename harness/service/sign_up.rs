//! SignUp, ConfirmSignUp, AdminConfirmSignUp and ResendConfirmationCode (cognito-semantics.md
//! §2.1, §3.5, rulings 4, 9, 11).

use serde_json::{json, Value};

use super::client_user_not_found;
use super::new_users::{
    claim_alias, claim_verified_aliases, ensure_username_free, plan_new_user, supplied,
    SIGN_UP_USER_EXISTS,
};
use crate::model::patterns::PASSWORD;

use super::codes::new_code;
use super::codes::{
    consume_code, remember_code, CONFIRMATION_CODE_RULE, CONFIRMATION_CODE_SECONDS,
};
use super::delivery::{first_delivery, plan_code_for, plan_message, verification_channel};
use super::requests::name_value_list;
use super::secret_hash;
use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{string_map_member, string_member, StringRule, Validator};
use crate::model::coral::{CLIENT_ID_RULE, USERNAME_RULE};
use crate::pool::{CodePurpose, UserStatus};
use crate::trigger::{Caller, TriggerSource};

impl Cognito {
    /// SignUp: PreSignUp_SignUp, then (unless auto-confirmed) CustomMessage_SignUp with the code.
    pub async fn sign_up(&self, request: &Value) -> Outcome {
        const ACTION: &str = "SignUp";
        let mut outcome = Outcome::new(ACTION, Ok(json!({})));
        let parsed = (|| {
            let client_id = string_member(request, "ClientId")?;
            let username = string_member(request, "Username")?;
            let password = string_member(request, "Password")?;
            let attributes = name_value_list(request, "UserAttributes")?.unwrap_or_default();
            let validation_data = name_value_list(request, "ValidationData")?;
            let metadata = string_map_member(request, "ClientMetadata")?.cloned();
            let mut v = Validator::new();
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            if let Some(p) = password {
                v.string(
                    "password",
                    p,
                    StringRule {
                        max: Some(256),
                        pattern: Some(&PASSWORD),
                        sensitive: true,
                        ..Default::default()
                    },
                );
            }
            v.finish()?;
            let client_id = client_id.unwrap_or_default().to_string();
            let pool = self.pool_for_client(&client_id)?;
            let name = username.unwrap_or_default();
            secret_hash::check_member(&lock(&pool), request, &client_id, name)?;
            Ok((
                pool,
                client_id,
                username.unwrap_or_default().to_string(),
                password.map(str::to_string),
                attributes,
                validation_data,
                metadata,
            ))
        })();
        let (pool, client_id, username, password, attributes, validation_data, metadata) =
            match parsed {
                Ok(p) => p,
                Err(e) => return Outcome::new(ACTION, Err(e)),
            };
        let caller = Caller::Client(&client_id);

        // Plan: who the user will be, and the PreSignUp event.
        let planned = {
            let guard = lock(&pool);
            plan_new_user(
                &guard,
                &username,
                password.as_deref(),
                &attributes,
                SIGN_UP_USER_EXISTS,
            )
            .map(|user| {
                let source = TriggerSource::PRE_SIGN_UP_SIGN_UP;
                let arn = guard.config.pre_sign_up_arn().map(str::to_string);
                let event = arn.as_ref().map(|_| {
                    crate::trigger::pre_sign_up::event(
                        &guard,
                        source,
                        &user.username,
                        caller,
                        supplied(&user),
                        validation_data.as_ref(),
                        metadata.as_ref(),
                    )
                });
                (user, arn, event)
            })
        };
        let (mut user, arn, event) = match planned {
            Ok(p) => p,
            Err(e) => return Outcome::new(ACTION, Err(e)),
        };
        let attributes_after = supplied(&user);
        let flags = match self
            .run_pre_sign_up(
                &pool,
                TriggerSource::PRE_SIGN_UP_SIGN_UP,
                arn,
                event,
                &attributes_after,
            )
            .await
        {
            Ok((run, flags)) => {
                outcome.triggers.extend(run);
                flags
            }
            Err(run) => {
                super::triggers::fail_with(&mut outcome, *run);
                return outcome;
            }
        };

        // The user as stored: unverified contact attributes, then the PreSignUp flags (§3.5).
        for attr in ["email", "phone_number"] {
            if user.attributes.contains_key(attr)
                && !user.attributes.contains_key(&format!("{attr}_verified"))
            {
                user.attributes
                    .insert(format!("{attr}_verified"), "false".into());
            }
        }
        if flags.auto_verify_email {
            user.attributes
                .insert("email_verified".into(), "true".into());
        }
        if flags.auto_verify_phone {
            user.attributes
                .insert("phone_number_verified".into(), "true".into());
        }
        user.status = if flags.auto_confirm_user {
            UserStatus::Confirmed
        } else {
            UserStatus::Unconfirmed
        };

        let message = {
            let guard = lock(&pool);
            (!flags.auto_confirm_user)
                .then(|| verification_channel(&guard, &user))
                .flatten()
                .and_then(|medium| {
                    plan_message(
                        &guard,
                        TriggerSource::CUSTOM_MESSAGE_SIGN_UP,
                        medium,
                        &user,
                        new_code(),
                        caller,
                        metadata.as_ref(),
                    )
                })
        };
        let now = self.now();
        let stored_name = user.username.clone();
        self.send_and_commit(&mut outcome, &pool, message.into_iter().collect(), |pool, delivered| {
            ensure_username_free(pool, &user, SIGN_UP_USER_EXISTS)?;
            // An auto-verified alias moves to the new user (§3.5, DG-PSU).
            claim_verified_aliases(pool, &user, true)?;
            if let Some(sent) = delivered.first() {
                remember_code(&mut user, CodePurpose::ConfirmSignUp, sent.code.as_deref().unwrap_or_default(), now, CONFIRMATION_CODE_SECONDS);
            }
            let mut response = json!({"UserConfirmed": user.status == UserStatus::Confirmed, "UserSub": user.sub});
            if let Some(details) = first_delivery(delivered) {
                response["CodeDeliveryDetails"] = details;
            }
            pool.put_user(user);
            Ok(response)
        })
        .await;
        // A user PreSignUp confirmed is reported to PostConfirmation once stored (§AT.1).
        if outcome.is_success() && flags.auto_confirm_user {
            self.post_confirmation(
                &mut outcome,
                &pool,
                TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
                &stored_name,
                caller,
                metadata.as_ref(),
            )
            .await;
        }
        outcome
    }

    /// ConfirmSignUp: checks the code and confirms the user; the attribute the code went to
    /// becomes verified. Then PostConfirmation_ConfirmSignUp (§AT.1).
    pub async fn confirm_sign_up(&self, request: &Value) -> Outcome {
        let confirmed = (|| {
            let client_id = string_member(request, "ClientId")?;
            let username = string_member(request, "Username")?;
            let code = string_member(request, "ConfirmationCode")?;
            let force_alias = request
                .get("ForceAliasCreation")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let metadata = string_map_member(request, "ClientMetadata")?.cloned();
            let mut v = Validator::new();
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            v.required_string("confirmationCode", code, CONFIRMATION_CODE_RULE);
            v.finish()?;
            let client_id = client_id.unwrap_or_default().to_string();
            let pool = self.pool_for_client(&client_id)?;
            let now = self.now();
            let mut guard = lock(&pool);
            let name = username.unwrap_or_default();
            secret_hash::check_member(&guard, request, &client_id, name)?;
            let user = guard.find_user(name).ok_or_else(client_user_not_found)?;
            if user.status != UserStatus::Unconfirmed {
                return Err(cannot_confirm(user.status));
            }
            let username = user.username.clone();
            let channel = verification_channel(&guard, user);
            // The code is checked before a forced alias moves, so a wrong code changes nothing
            // (ruling 11); it is consumed only once the alias is settled.
            consume_code(
                &mut user.clone(),
                &CodePurpose::ConfirmSignUp,
                code.unwrap_or_default(),
                now,
            )?;
            if let Some(medium) = channel {
                let attr = medium.attribute();
                let value = user.attribute(attr).unwrap_or_default().to_string();
                claim_alias(&mut guard, attr, &value, &username, force_alias)?;
            }
            let mut user = guard
                .find_user_mut(&username)
                .ok_or_else(client_user_not_found)?;
            consume_code(
                &mut user,
                &CodePurpose::ConfirmSignUp,
                code.unwrap_or_default(),
                now,
            )?;
            user.status = UserStatus::Confirmed;
            if let Some(medium) = channel {
                user.attributes
                    .insert(format!("{}_verified", medium.attribute()), "true".into());
            }
            drop(user);
            drop(guard);
            Ok((pool, username, client_id, metadata))
        })();
        let mut outcome = Outcome::new("ConfirmSignUp", Ok(json!({})));
        match confirmed {
            Ok((pool, username, client_id, metadata)) => {
                self.post_confirmation(
                    &mut outcome,
                    &pool,
                    TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
                    &username,
                    Caller::Client(&client_id),
                    metadata.as_ref(),
                )
                .await
            }
            Err(e) => outcome.result = Err(e),
        }
        outcome
    }

    /// AdminConfirmSignUp: confirms without a code, then PostConfirmation_ConfirmSignUp (§AT.1).
    pub async fn admin_confirm_sign_up(&self, request: &Value) -> Outcome {
        let confirmed = self
            .admin_user_request(request, |_| Ok(()))
            .and_then(|req| {
                let mut guard = lock(&req.pool);
                let mut user = guard
                    .find_user_mut(&req.username)
                    .ok_or_else(user_not_found)?;
                if user.status != UserStatus::Unconfirmed {
                    return Err(cannot_confirm(user.status));
                }
                user.status = UserStatus::Confirmed;
                user.codes.remove(&CodePurpose::ConfirmSignUp);
                let username = user.username.clone();
                drop(user);
                drop(guard);
                Ok((req, username))
            });
        let mut outcome = Outcome::new("AdminConfirmSignUp", Ok(json!({})));
        match confirmed {
            Ok((req, username)) => {
                self.post_confirmation(
                    &mut outcome,
                    &req.pool,
                    TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
                    &username,
                    Caller::Admin,
                    req.metadata.as_ref(),
                )
                .await
            }
            Err(e) => outcome.result = Err(e),
        }
        outcome
    }

    /// ResendConfirmationCode: CustomMessage_ResendCode to the sign-up channel.
    pub async fn resend_confirmation_code(&self, request: &Value) -> Outcome {
        const ACTION: &str = "ResendConfirmationCode";
        let planned = self
            .client_user_request(request, |_| Ok(()))
            .and_then(|req| {
                plan_code_for(
                    req,
                    TriggerSource::CUSTOM_MESSAGE_RESEND_CODE,
                    |user| match user.status {
                        UserStatus::Confirmed => Err(CognitoError::invalid_parameter(
                            "User is already confirmed.",
                        )),
                        _ => Ok(()),
                    },
                    verification_channel,
                    || {
                        CognitoError::invalid_parameter(
                            "Cannot resend codes. Auto verification not turned on.",
                        )
                    },
                )
            });
        self.send_code(ACTION, planned, |_| {}).await
    }
}

fn cannot_confirm(status: UserStatus) -> CognitoError {
    CognitoError::new(
        ErrorCode::NotAuthorizedException,
        format!(
            "User cannot be confirmed. Current status is {}",
            status.as_str()
        ),
    )
}
