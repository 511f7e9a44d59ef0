//! A DefineAuthChallenge trigger for a one-time-code sign-in: the first step asks a
//! CUSTOM_CHALLENGE, a correct answer issues the tokens, a wrong one asks again, and the third
//! wrong answer fails the sign-in (Cognito answers `NotAuthorizedException` `Incorrect username or
//! password.`). A name the pool does not have (`userNotFound`) is failed at once: no code goes out.

use aws_lambda_events::cognito::CognitoEventUserPoolsDefineAuthChallenge;
use lambda_runtime::{service_fn, Error, LambdaEvent};

const MAX_TRIES: usize = 3;

async fn define(
    event: LambdaEvent<CognitoEventUserPoolsDefineAuthChallenge>,
) -> Result<CognitoEventUserPoolsDefineAuthChallenge, Error> {
    let mut event = event.payload;
    let session = &event.request.session;
    let last_correct = session
        .last()
        .and_then(Option::as_ref)
        .is_some_and(|round| round.challenge_result);
    let response = &mut event.response;
    if event.request.user_not_found || (!last_correct && session.len() >= MAX_TRIES) {
        response.fail_authentication = true;
    } else if last_correct {
        response.issue_tokens = true;
    } else {
        response.challenge_name = Some("CUSTOM_CHALLENGE".into());
    }
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(define)).await
}
