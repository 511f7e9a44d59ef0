//! Broken on purpose: answers a JSON object that is not the event (no `response`).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn not_the_event(_: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({ "ok": true }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(not_the_event)).await
}
