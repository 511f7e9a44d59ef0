//! Broken on purpose: confirms every user and marks their phone number verified without checking
//! that they gave one. Cognito refuses to auto-verify an attribute the user does not have, so an
//! email-only sign-up fails (cognito-semantics.md §3.5, ruling 9).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn confirm(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    event.response.auto_confirm_user = true;
    event.response.auto_verify_phone = true;
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(confirm)).await
}
