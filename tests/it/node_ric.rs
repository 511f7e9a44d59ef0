//! A Node.js CustomMessage trigger under AWS's runtime interface client (`aws-lambda-ric`), bound
//! with `cwd` and `handler` and run through `check`: Cognito's verdict on its answer and on its
//! throw, exactly.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::{self, root};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

fn step(handler_brand: &str, expect: Value) -> Value {
    json!({
        "action": "AdminUpdateUserAttributes",
        "request": {"UserPoolId": "$pool", "Username": "alice",
                    "UserAttributes": [{"Name": "email", "Value": "alice.new@example.com"}],
                    "ClientMetadata": {"brand": handler_brand}},
        "expect": expect
    })
}

fn scenario(function: &str, expect: Value) -> String {
    json!({
        "pool": {"AutoVerifiedAttributes": ["email"],
                 "LambdaConfig": {"CustomMessage": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}")}},
        "users": [{"Username": "alice", "UserAttributes": [
            {"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}]}],
        "steps": [step("Acme", expect)]
    })
    .to_string()
}

#[test]
fn a_node_trigger_runs_under_awss_runtime_interface_client() {
    let ric = match support::aws_lambda_ric() {
        Ok(entry) => entry,
        Err(why) => {
            eprintln!("skipped: aws-lambda-ric is not available here: {why}");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("cognito-harness-node-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    // `cwd` is where the client looks for the handler's module (and LAMBDA_TASK_ROOT).
    let functions = root().join("tests/node");
    let binding = |name: &str, handler: &str| {
        format!(
            "[functions.{name}]\ncommand = [\"node\", \"{}\", \"{handler}\"]\nhandler = \"{handler}\"\ncwd = \"{}\"\n",
            ric.display(),
            functions.display()
        )
    };
    std::fs::write(
        dir.join("cognito-harness.toml"),
        binding("node-cm", "custom_message.handler")
            + &binding("node-cm-fails", "custom_message.fail"),
    )
    .unwrap();
    std::fs::write(
        dir.join("branded.json"),
        scenario(
            "node-cm",
            json!({"outcome": "success", "rule": "custom-message.accepted",
                   "message": [{"username": "alice", "deliveryMedium": "EMAIL",
                                "destination": "alice.new@example.com",
                                "triggerSource": "CustomMessage_UpdateUserAttribute",
                                "emailSubject": "Acme: confirm your new address",
                                "emailMessage": "Acme here: your code is {####}."}]}),
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("throws.json"),
        scenario(
            "node-cm-fails",
            json!({"outcome": "UserLambdaValidationException",
                   "message": "CustomMessage failed with error no brand for this pool.",
                   "functionError": {"errorType": "Error", "errorMessage": "no brand for this pool"}}),
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["check", "branded.json", "throws.json", "--format", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 2, "{report:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}
