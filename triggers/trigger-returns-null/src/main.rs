//! Broken on purpose: answers `null` instead of the event.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn null(_: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(Value::Null)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(null)).await
}
