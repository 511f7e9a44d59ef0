//! A broken DefineAuthChallenge trigger: it returns the event as it came, so the answer sets
//! neither `issueTokens` nor `failAuthentication` and names no challenge. Cognito cannot tell
//! what comes next and rejects the answer (`InvalidLambdaResponseException`).

use aws_lambda_events::cognito::CognitoEventUserPoolsDefineAuthChallenge;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn echo(
    event: LambdaEvent<CognitoEventUserPoolsDefineAuthChallenge>,
) -> Result<CognitoEventUserPoolsDefineAuthChallenge, Error> {
    Ok(event.payload)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
