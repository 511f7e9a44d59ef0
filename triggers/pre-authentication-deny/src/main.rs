//! A PreAuthentication trigger that denies the sign-in of a user whose e-mail address is not
//! verified, and of any sign-in whose ClientMetadata (the event's `validationData`) says
//! `"channel": "blocked"`. Denying means returning an error: Cognito answers the caller with
//! `UserLambdaValidationException` `PreAuthentication failed with error <message>.`
//!
//! An unknown user (`userNotFound`, sent when the app client prevents user existence errors) is
//! let through: Cognito then answers "Incorrect username or password.", and an error here would
//! tell the caller that the user does not exist. The handler reads the event as JSON because
//! aws_lambda_events' typed PreAuthentication request has no `userNotFound` field.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn check(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let event = event.payload;
    let request = &event["request"];
    if request["userNotFound"] == Value::Bool(true) {
        return Ok(event);
    }
    if request["validationData"]["channel"] == "blocked" {
        return Err("sign-in from this channel is blocked".into());
    }
    if request["userAttributes"]["email_verified"] != "true" {
        return Err("Email not verified".into());
    }
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(check)).await
}
