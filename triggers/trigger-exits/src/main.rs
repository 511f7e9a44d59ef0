//! Broken on purpose: the process exits with status 3 in the middle of the invocation.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn exit(_: LambdaEvent<Value>) -> Result<Value, Error> {
    eprintln!("exiting with status 3");
    std::process::exit(3)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(exit)).await
}
