//! Broken on purpose, in a way seen in real handlers: it returns `event.request` (the user's
//! attributes) instead of the whole event. Cognito does not read a PostConfirmation answer, but it
//! must be the event: an object without `response` is `InvalidLambdaResponseException`
//! `Unrecognizable lambda output`, and the caller gets it although the user is already confirmed.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsPostConfirmation as Event, CognitoEventUserPoolsPostConfirmationRequest,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn returns_request(
    event: LambdaEvent<Event>,
) -> Result<CognitoEventUserPoolsPostConfirmationRequest, Error> {
    Ok(event.payload.request)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(returns_request)).await
}
