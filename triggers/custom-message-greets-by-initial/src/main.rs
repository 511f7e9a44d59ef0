//! Broken on purpose, but only for some users: greets the user by the initial of their `name`,
//! taken as the name's first *byte* (`&name[..1]`). That works for "Jane" and panics for "Émile",
//! "山田" or "😀 Fan": slicing inside a multi-byte character. Users without a name get "Hello".
//! Every fixture user passes; `cognito-harness fuzz` finds it (its unicode and emoji names).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn greet(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let name = event
        .request
        .user_attributes
        .get("name")
        .and_then(|v| v.as_str());
    let greeting = match name {
        Some(name) if !name.is_empty() => format!("Hello {}.", &name[..1]),
        _ => "Hello.".to_string(),
    };
    event.response.email_subject = Some("Your code".to_string());
    event.response.email_message = Some(format!("{greeting} Your code is {{####}}."));
    event.response.sms_message = Some(format!("{greeting} Code: {{####}}"));
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(greet)).await
}
