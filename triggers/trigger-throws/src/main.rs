//! Broken on purpose: every invocation fails with an error (a UserLambdaValidationException).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn throw(_: LambdaEvent<Value>) -> Result<Value, Error> {
    Err("boom: the trigger failed on purpose".into())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(throw)).await
}
