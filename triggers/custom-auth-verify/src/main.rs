//! A VerifyAuthChallengeResponse trigger: the answer is correct when it equals the code
//! CreateAuthChallenge kept in `privateChallengeParameters`.

use aws_lambda_events::cognito::CognitoEventUserPoolsVerifyAuthChallenge;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn verify(
    event: LambdaEvent<CognitoEventUserPoolsVerifyAuthChallenge>,
) -> Result<CognitoEventUserPoolsVerifyAuthChallenge, Error> {
    let mut event = event.payload;
    let expected = event.request.private_challenge_parameters.get("code");
    let answer = event
        .request
        .challenge_answer
        .as_ref()
        .and_then(Value::as_str);
    event.response.answer_correct = expected.is_some() && expected.map(String::as_str) == answer;
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(verify)).await
}
