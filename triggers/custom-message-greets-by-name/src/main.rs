//! Broken on purpose, but only for some users: puts the user's whole `name` into the SMS. Cognito
//! allows 140 characters in `smsMessage` (cognito-semantics.md §3.4 rule 5), so a text message to
//! a user with a long name fails with InvalidParameterException, while e-mail (20000 allowed) and
//! short names pass. `cognito-harness fuzz` finds it (its phone-only users with long names).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn greet(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let name = event
        .request
        .user_attributes
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("there")
        .to_string();
    event.response.email_subject = Some("Your code".to_string());
    event.response.email_message = Some(format!("Hello {name}, your code is {{####}}."));
    event.response.sms_message = Some(format!("Hello {name}, your code is {{####}}."));
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(greet)).await
}
