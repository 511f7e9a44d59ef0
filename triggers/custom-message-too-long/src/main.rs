//! Broken on purpose: a CustomMessage email body of 20001 characters (Cognito allows 20000).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

const CODE: &str = "Your code is {####}.";

async fn too_long(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    event.response.email_subject = Some("Welcome".to_string());
    event.response.email_message = Some(format!("{CODE}{}", "x".repeat(20_001 - CODE.len())));
    Ok(event)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(too_long)).await
}
