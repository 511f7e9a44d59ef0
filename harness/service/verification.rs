//! GetUserAttributeVerificationCode and VerifyUserAttribute (cognito-semantics.md §2.1, §2.2).

use serde_json::{json, Value};

use super::codes::consume_code;
use super::codes::new_code;
use super::codes::CONFIRMATION_CODE_RULE;
use super::delivery::plan_message;
use super::{lock, Cognito, Outcome};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{
    string_map_member, string_member, StringRule, Validator, ACCESS_TOKEN_RULE,
};
use crate::model::patterns::ATTRIBUTE_NAME;
use crate::pool::{CodePurpose, DeliveryMedium};
use crate::trigger::{Caller, TriggerSource};

const ATTRIBUTE_NAME_RULE: StringRule = StringRule::len(1, 32).pattern(&ATTRIBUTE_NAME);

fn medium_for(attribute: &str) -> Result<DeliveryMedium, CognitoError> {
    match attribute {
        "email" => Ok(DeliveryMedium::Email),
        "phone_number" => Ok(DeliveryMedium::Sms),
        // Only email and phone_number are verifiable (§2.2); the text is assumed.
        other => Err(CognitoError::invalid_parameter(format!(
            "{other} is not a verifiable attribute."
        ))),
    }
}

impl Cognito {
    /// GetUserAttributeVerificationCode: CustomMessage_VerifyUserAttribute; the code goes to the
    /// pending value when one waits for verification, else to the stored one.
    pub async fn get_user_attribute_verification_code(&self, request: &Value) -> Outcome {
        const ACTION: &str = "GetUserAttributeVerificationCode";
        let planned = (|| {
            let token = string_member(request, "AccessToken")?;
            let attribute = string_member(request, "AttributeName")?;
            let metadata = string_map_member(request, "ClientMetadata")?.cloned();
            let mut v = Validator::new();
            v.required_string("accessToken", token, ACCESS_TOKEN_RULE);
            v.required_string("attributeName", attribute, ATTRIBUTE_NAME_RULE);
            v.finish()?;
            let (pool, grant) = self.pool_for_token(token.unwrap_or_default())?;
            let attribute = attribute.unwrap_or_default();
            let medium = medium_for(attribute)?;
            let guard = lock(&pool);
            let user = guard
                .find_user(&grant.username)
                .ok_or_else(super::user_not_found)?;
            let source = TriggerSource::CUSTOM_MESSAGE_VERIFY_USER_ATTRIBUTE;
            let caller = Caller::Client(&grant.client_id);
            let mut message = plan_message(
                &guard,
                source,
                medium,
                user,
                new_code(),
                caller,
                metadata.as_ref(),
            )
            .ok_or_else(|| {
                CognitoError::invalid_parameter(format!("The user has no {attribute} to verify."))
            })?;
            if let Some(pending) = user.pending.get(attribute) {
                message.destination = pending.clone();
            }
            drop(guard);
            Ok((pool, message))
        })();
        self.send_code(ACTION, planned, |_| {}).await
    }

    /// VerifyUserAttribute: consumes the code, applies a pending value, marks the attribute
    /// verified. Fires no trigger (§2.1).
    pub fn verify_user_attribute(&self, request: &Value) -> Outcome {
        let result = (|| {
            let token = string_member(request, "AccessToken")?;
            let attribute = string_member(request, "AttributeName")?;
            let code = string_member(request, "Code")?;
            let mut v = Validator::new();
            v.required_string("accessToken", token, ACCESS_TOKEN_RULE);
            v.required_string("attributeName", attribute, ATTRIBUTE_NAME_RULE);
            v.required_string("code", code, CONFIRMATION_CODE_RULE);
            v.finish()?;
            let (pool, grant) = self.pool_for_token(token.unwrap_or_default())?;
            let attribute = attribute.unwrap_or_default();
            medium_for(attribute)?;
            let now = self.now();
            let mut guard = lock(&pool);
            // The change is made on a copy and stored only once every check has passed, so a
            // refused verification keeps its code and the user as they were.
            let mut user = guard
                .find_user(&grant.username)
                .cloned()
                .ok_or_else(super::user_not_found)?;
            consume_code(
                &mut user,
                &CodePurpose::VerifyAttribute(attribute.to_string()),
                code.unwrap_or_default(),
                now,
            )?;
            if let Some(value) = user.pending.remove(attribute) {
                user.attributes.insert(attribute.to_string(), value);
            }
            // A verified sign-in alias belongs to one user (API reference, VerifyUserAttribute:
            // AliasExistsException; §4.3).
            if let Some(value) = user.attribute(attribute) {
                if guard
                    .alias_holder(attribute, value, &user.username)
                    .is_some()
                {
                    return Err(CognitoError::new(
                        ErrorCode::AliasExistsException,
                        format!("An account with the given {attribute} already exists."),
                    ));
                }
            }
            user.attributes
                .insert(format!("{attribute}_verified"), "true".into());
            user.last_modified = now as f64;
            guard.put_user(user);
            Ok(json!({}))
        })();
        Outcome::new("VerifyUserAttribute", result)
    }
}
