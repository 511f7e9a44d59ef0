//! Broken on purpose: never answers, so Cognito's deadline runs out.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn hang(_: LambdaEvent<Value>) -> Result<Value, Error> {
    std::future::pending().await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(hang)).await
}
