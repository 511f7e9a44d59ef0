//! A UserMigration trigger that moves users from a legacy user store into the pool the first time
//! they sign in (`UserMigration_Authentication`, with the password they typed) or ask for a
//! password reset (`UserMigration_ForgotPassword`, no password). The legacy store here is one
//! user, `legacy-alice` with password `Legacy-Passw0rd`.
//!
//! A wrong password or an unknown name is an error: Cognito answers the caller
//! `UserLambdaValidationException` `UserMigration failed with error <message>.` and creates
//! nobody. A sign-in migrates the user CONFIRMED with the welcome message suppressed; a reset
//! migrates them RESET_REQUIRED, and Cognito then sends the reset code to the verified e-mail.

use std::collections::HashMap;

use aws_lambda_events::cognito::CognitoEventUserPoolsMigrateUser;
use lambda_runtime::{service_fn, Error, LambdaEvent};

const LEGACY_USER: &str = "legacy-alice";
const LEGACY_PASSWORD: &str = "Legacy-Passw0rd";

async fn migrate(
    event: LambdaEvent<CognitoEventUserPoolsMigrateUser>,
) -> Result<CognitoEventUserPoolsMigrateUser, Error> {
    let mut event = event.payload;
    let name = event.cognito_event_user_pools_header.user_name.clone();
    if name.as_deref() != Some(LEGACY_USER) {
        return Err("User not found in the legacy store".into());
    }
    let request = &event.cognito_event_user_pools_migrate_user_request;
    let signing_in = request.password.is_some();
    if signing_in && request.password.as_deref() != Some(LEGACY_PASSWORD) {
        return Err("Bad password".into());
    }
    let response = &mut event.cognito_event_user_pools_migrate_user_response;
    response.user_attributes = HashMap::from([
        ("email".to_string(), "alice@example.com".to_string()),
        ("email_verified".to_string(), "true".to_string()),
    ]);
    response.final_user_status = Some(
        if signing_in {
            "CONFIRMED"
        } else {
            "RESET_REQUIRED"
        }
        .into(),
    );
    response.message_action = Some("SUPPRESS".into());
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(migrate)).await
}
