//! A broken UserMigration trigger: it answers `finalUserStatus: "ACTIVE"`, a status Cognito does
//! not know (only CONFIRMED and RESET_REQUIRED are). Cognito rejects the answer with
//! `InvalidLambdaResponseException` and creates nobody.

use std::collections::HashMap;

use aws_lambda_events::cognito::CognitoEventUserPoolsMigrateUser;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn migrate(
    event: LambdaEvent<CognitoEventUserPoolsMigrateUser>,
) -> Result<CognitoEventUserPoolsMigrateUser, Error> {
    let mut event = event.payload;
    let response = &mut event.cognito_event_user_pools_migrate_user_response;
    response.user_attributes =
        HashMap::from([("email".to_string(), "alice@example.com".to_string())]);
    response.final_user_status = Some("ACTIVE".into());
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(migrate)).await
}
