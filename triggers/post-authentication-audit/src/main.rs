//! A PostAuthentication trigger that records each successful sign-in as a JSON line on stderr
//! (CloudWatch Logs, on AWS) and returns the event, so the tokens go out. A user with
//! `custom:suspended` set to `"true"` gets an error instead, which withholds the tokens: Cognito
//! answers `UserLambdaValidationException` `PostAuthentication failed with error <message>.`

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostAuthentication as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::json;

async fn audit(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let event = event.payload;
    let header = &event.cognito_event_user_pools_header;
    let attributes = &event.request.user_attributes;
    if attributes.get("custom:suspended").map(String::as_str) == Some("true") {
        return Err("this account is suspended".into());
    }
    let line = json!({
        "event": "sign-in",
        "user": header.user_name,
        "sub": attributes.get("sub"),
        "client": header.caller_context.client_id,
        "newDevice": event.request.new_device_used,
    });
    eprintln!("{line}");
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(audit)).await
}
