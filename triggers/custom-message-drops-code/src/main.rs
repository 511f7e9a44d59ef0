//! Broken on purpose: a CustomMessage whose email body forgets the `{####}` code placeholder.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn drop_code(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    event.response.email_subject = Some("Welcome".to_string());
    event.response.email_message = Some("Welcome! Your code is on its way.".to_string());
    Ok(event)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(drop_code)).await
}
