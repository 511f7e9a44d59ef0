//! Broken on purpose: fills `response` with members of the wrong JSON type, for either trigger:
//! PreSignUp gets `"autoConfirmUser": "yes"`, CustomMessage gets a number as `emailMessage`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn wrong_types(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let mut event = event.payload;
    let source = event["triggerSource"].as_str().unwrap_or_default();
    event["response"] = if source.starts_with("PreSignUp_") {
        json!({ "autoConfirmUser": "yes", "autoVerifyEmail": false, "autoVerifyPhone": false })
    } else {
        json!({ "smsMessage": null, "emailMessage": 1234, "emailSubject": "Your code" })
    };
    Ok(event)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(wrong_types)).await
}
