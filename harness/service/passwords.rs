//! Password policy, ForgotPassword, ConfirmForgotPassword and AdminResetUserPassword
//! (cognito-semantics.md §2.1: CustomMessage_ForgotPassword, ClientMetadata forwarded).

use serde_json::{json, Value};

use super::password_policy::{check_policy, PASSWORD_RULE};

use super::client_user_not_found;
use super::codes::consume_code;
use super::codes::CONFIRMATION_CODE_RULE;
use super::delivery::{plan_code_for, recovery_channel};
use super::migration::{migrates, MigrationRequest};
use super::requests::UserRequest;
use super::{lock, Cognito, Outcome};
use crate::model::cognito_error::CognitoError;
use crate::model::coral::{string_map_member, string_member, Validator};
use crate::model::coral::{CLIENT_ID_RULE, USERNAME_RULE};
use crate::pool::{CodePurpose, UserStatus};
use crate::trigger::{Caller, TriggerSource};

fn no_recovery_channel() -> CognitoError {
    CognitoError::invalid_parameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

impl Cognito {
    /// ForgotPassword: CustomMessage_ForgotPassword with a reset code to a verified channel.
    /// An unknown name first asks the pool's UserMigration trigger (`UserMigration_ForgotPassword`,
    /// §UM.1); the migrated user then gets the code.
    pub async fn forgot_password(&self, request: &Value) -> Outcome {
        let planned = self.client_user_request(request, |_| Ok(()));
        let mut migrated = Outcome::new("ForgotPassword", Ok(Value::Null));
        if let Ok(req) = &planned {
            if migrates(&lock(&req.pool), &req.username) {
                let migration = MigrationRequest {
                    source: TriggerSource::USER_MIGRATION_FORGOT_PASSWORD,
                    username: &req.username,
                    password: None,
                    client_id: req.client_id.as_deref().unwrap_or_default(),
                    client_metadata: req.metadata.as_ref(),
                };
                if let Err(e) = self.migrate_user(&mut migrated, &req.pool, migration).await {
                    migrated.result = Err(e);
                    return migrated;
                }
            }
        }
        let mut outcome = self.send_reset_code("ForgotPassword", planned).await;
        outcome.triggers.splice(0..0, migrated.triggers);
        outcome.warnings.splice(0..0, migrated.warnings);
        outcome
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
            plan_code_for(
                req,
                TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD,
                |_| Ok(()),
                recovery_channel,
                no_recovery_channel,
            )
        });
        self.send_code(action, planned, |user| {
            if admin {
                user.status = UserStatus::ResetRequired;
            }
        })
        .await
    }

    /// ConfirmForgotPassword: checks the reset code and sets the new password, then
    /// PostConfirmation_ConfirmForgotPassword (§AT.1).
    pub async fn confirm_forgot_password(&self, request: &Value) -> Outcome {
        let reset = (|| {
            let client_id = string_member(request, "ClientId")?;
            let username = string_member(request, "Username")?;
            let code = string_member(request, "ConfirmationCode")?;
            let password = string_member(request, "Password")?;
            let metadata = string_map_member(request, "ClientMetadata")?.cloned();
            let mut v = Validator::new();
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            v.required_string("confirmationCode", code, CONFIRMATION_CODE_RULE);
            v.required_string("password", password, PASSWORD_RULE);
            v.finish()?;
            let client_id = client_id.unwrap_or_default().to_string();
            let pool = self.pool_for_client(&client_id)?;
            let now = self.now();
            let mut guard = lock(&pool);
            let name = username.unwrap_or_default();
            super::secret_hash::check_member(&guard, request, &client_id, name)?;
            check_policy(&guard, password.unwrap_or_default())?;
            let mut user = guard
                .find_user_mut(username.unwrap_or_default())
                .ok_or_else(client_user_not_found)?;
            consume_code(
                &mut user,
                &CodePurpose::ForgotPassword,
                code.unwrap_or_default(),
                now,
            )?;
            user.password = password.map(str::to_string);
            if user.status == UserStatus::ResetRequired {
                user.status = UserStatus::Confirmed;
            }
            let username = user.username.clone();
            drop(user);
            drop(guard);
            Ok((pool, username, client_id, metadata))
        })();
        let mut outcome = Outcome::new("ConfirmForgotPassword", Ok(json!({})));
        match reset {
            Ok((pool, username, client_id, metadata)) => {
                self.post_confirmation(
                    &mut outcome,
                    &pool,
                    TriggerSource::POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD,
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
}
