//! A slow trigger: waits `SLEEP_MS` (default 50) and answers with the event unchanged. It logs
//! `handling <request id>` before answering and `after <request id>` once its answer is out, so a
//! test can see which invocation each line is attributed to.

use std::time::Duration;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn slow(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let sleep = std::env::var("SLEEP_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(50);
    let id = event.context.request_id;
    println!("handling {id}");
    tokio::time::sleep(Duration::from_millis(sleep)).await;
    // Printed by another task while the runtime posts the answer: output that comes late.
    tokio::spawn(async move {
        tokio::task::yield_now().await;
        println!("after {id}");
    });
    Ok(event.payload)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(slow)).await
}
