//! Password policy, ForgotPassword, ConfirmForgotPassword and AdminResetUserPassword
//! (cognito-semantics.md §2.1: CustomMessage_ForgotPassword, ClientMetadata forwarded).

use serde_json::{json, Value};

use super::flow::{consume_code, plan_message, recovery_channel, UserRequest};
use super::sign_up::{client_user_not_found, CONFIRMATION_CODE_RULE, PASSWORD};
use super::validate::{string_map_member, string_member, StringRule, Validator};
use super::validate::{CLIENT_ID_RULE, USERNAME_RULE};
use super::{lock, new_code, Cognito, Outcome};
use crate::error::{CognitoError, ErrorCode};
use crate::events::TriggerSource;
use crate::pool::{CodePurpose, UserPool, UserStatus};

pub(crate) const PASSWORD_RULE: StringRule = StringRule {
    min: None,
    max: Some(256),
    pattern: Some(&PASSWORD),
    sensitive: true,
};

/// Checks a password against the pool's PasswordPolicy (defaults: 8 characters, upper, lower,
/// number and symbol), with the InvalidPasswordException texts Cognito uses (assumed: the reference
/// does not record them).
pub(crate) fn check_policy(pool: &UserPool, password: &str) -> Result<(), CognitoError> {
    let policy = pool
        .config
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.clone())
        .unwrap_or_default();
    let fail = |what: &str| {
        Err(CognitoError::new(
            ErrorCode::InvalidPasswordException,
            format!("Password did not conform with policy: {what}"),
        ))
    };
    if (password.chars().count() as i64) < policy.minimum_length.unwrap_or(8) {
        return fail("Password not long enough");
    }
    if policy.require_uppercase.unwrap_or(true) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase.unwrap_or(true) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers.unwrap_or(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols.unwrap_or(true)
        && !password
            .chars()
            .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A temporary password that satisfies any policy.
pub(crate) fn temporary_password() -> String {
    format!("Tmp{}!{}", crate::pool::random_alphanumeric(6), new_code())
}

fn no_recovery_channel() -> CognitoError {
    CognitoError::invalid_parameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

impl Cognito {
    /// ForgotPassword: CustomMessage_ForgotPassword with a reset code to a verified channel.
    pub async fn forgot_password(&self, request: &Value) -> Outcome {
        let planned = self.client_user_request(request, |_| Ok(()));
        self.send_reset_code("ForgotPassword", planned).await
    }

    /// AdminResetUserPassword: the user must reset; a reset code goes out like ForgotPassword's.
    pub async fn admin_reset_user_password(&self, request: &Value) -> Outcome {
        let planned = self.admin_user_request(request, |_| Ok(()));
        let mut outcome = self
            .send_reset_code("AdminResetUserPassword", planned)
            .await;
        if outcome.is_success() {
            outcome.result = Ok(json!({}));
        }
        outcome
    }

    /// Sends a reset code (CustomMessage_ForgotPassword; for admin resets the source is presumably
    /// the same, §2.1 INF); an admin reset also sets RESET_REQUIRED.
    async fn send_reset_code(
        &self,
        action: &str,
        request: Result<UserRequest, CognitoError>,
    ) -> Outcome {
        let admin = request.as_ref().is_ok_and(|r| r.client_id.is_none());
        let planned = request.and_then(|req| {
            let guard = lock(&req.pool);
            let user = guard
                .find_user(&req.username)
                .ok_or_else(|| req.user_not_found())?;
            let medium = recovery_channel(&guard, user).ok_or_else(no_recovery_channel)?;
            let source = TriggerSource::CustomMessageForgotPassword;
            let message = plan_message(
                &guard,
                source,
                medium,
                user,
                new_code(),
                req.caller(),
                req.metadata.as_ref(),
            )
            .ok_or_else(no_recovery_channel)?;
            drop(guard);
            Ok((req.pool, message))
        });
        self.send_code(action, planned, |user| {
            if admin {
                user.status = UserStatus::ResetRequired;
            }
        })
        .await
    }

    /// ConfirmForgotPassword: checks the reset code and sets the new password.
    pub fn confirm_forgot_password(&self, request: &Value) -> Outcome {
        let result = (|| {
            let client_id = string_member(request, "ClientId")?;
            let username = string_member(request, "Username")?;
            let code = string_member(request, "ConfirmationCode")?;
            let password = string_member(request, "Password")?;
            string_map_member(request, "ClientMetadata")?;
            let mut v = Validator::new();
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            v.required_string("confirmationCode", code, CONFIRMATION_CODE_RULE);
            v.required_string("password", password, PASSWORD_RULE);
            v.finish()?;
            let pool = self.pool_for_client(client_id.unwrap_or_default())?;
            let now = self.now();
            let mut guard = lock(&pool);
            check_policy(&guard, password.unwrap_or_default())?;
            let user = guard
                .find_user_mut(username.unwrap_or_default())
                .ok_or_else(client_user_not_found)?;
            consume_code(
                user,
                &CodePurpose::ForgotPassword,
                code.unwrap_or_default(),
                now,
            )?;
            user.password = password.map(str::to_string);
            if user.status == UserStatus::ResetRequired {
                user.status = UserStatus::Confirmed;
            }
            Ok(json!({}))
        })();
        Outcome::new("ConfirmForgotPassword", result)
    }
}
