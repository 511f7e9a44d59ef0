//! A CreateAuthChallenge trigger for a one-time-code sign-in. A real one would send a random code
//! by e-mail; this one uses the code in `CHALLENGE_CODE` (default `424242`) so a scenario can
//! answer it. The caller sees where the code went (`publicChallengeParameters`); only
//! VerifyAuthChallengeResponse sees the code (`privateChallengeParameters`). `challengeMetadata`
//! names the round, and comes back in DefineAuthChallenge's `session`.

use std::collections::HashMap;

use aws_lambda_events::cognito::CognitoEventUserPoolsCreateAuthChallenge;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn create(
    event: LambdaEvent<CognitoEventUserPoolsCreateAuthChallenge>,
) -> Result<CognitoEventUserPoolsCreateAuthChallenge, Error> {
    let mut event = event.payload;
    let code = std::env::var("CHALLENGE_CODE").unwrap_or_else(|_| "424242".into());
    let round = event.request.session.len() + 1;
    let email = event
        .request
        .user_attributes
        .get("email")
        .cloned()
        .unwrap_or_default();
    event.response.public_challenge_parameters = HashMap::from([("email".to_string(), email)]);
    event.response.private_challenge_parameters = HashMap::from([("code".to_string(), code)]);
    event.response.challenge_metadata = Some(format!("CODE-{round}"));
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(create)).await
}
