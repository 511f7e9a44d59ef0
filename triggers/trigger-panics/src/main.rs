//! Broken on purpose: panics; lambda_runtime reports it as a function error and keeps running.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn panic(_: LambdaEvent<Value>) -> Result<Value, Error> {
    panic!("the trigger panicked on purpose")
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(panic)).await
}
