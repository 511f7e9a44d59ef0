//! A PostConfirmation trigger that writes a profile row for each user who confirms their sign-up,
//! the job such a trigger usually has. The "table" is a JSON-lines file named by `PROFILE_TABLE`
//! (nothing is written without it). A password reset (`PostConfirmation_ConfirmForgotPassword`)
//! writes nothing. Failing to write the row is an error, which Cognito hands to the caller.

use std::io::Write;

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsPostConfirmation as Event,
    CognitoEventUserPoolsPostConfirmationTriggerSource as Source,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::json;

async fn write_profile(table: Option<&str>, event: LambdaEvent<Event>) -> Result<Event, Error> {
    let event = event.payload;
    let source = &event.cognito_event_user_pools_header.trigger_source;
    if source != &Some(Source::ConfirmSignUp) {
        return Ok(event);
    }
    let attributes = &event.request.user_attributes;
    let sub = attributes
        .get("sub")
        .ok_or("the event has no sub to key the profile on")?;
    let row = json!({
        "pk": format!("USER#{sub}"),
        "username": event.cognito_event_user_pools_header.user_name,
        "email": attributes.get("email"),
        "status": attributes.get("cognito:user_status"),
        "plan": event.request.client_metadata.get("plan").map_or("free", String::as_str),
    });
    if let Some(path) = table {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(file, "{row}")?;
    }
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let table = std::env::var("PROFILE_TABLE").ok();
    let table = table.as_deref();
    lambda_runtime::run(service_fn(move |event| write_profile(table, event))).await
}
