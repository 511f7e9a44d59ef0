//! `Outcome`'s assertion helpers and its `Display`: what a trigger author reads when their own
//! test fails.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cognito_harness::{ErrorCode, Functions, Outcome};
use serde_json::{json, Value};

use crate::recorder::{self, config, seed_user, POOL_ID};

async fn email_change(answer: fn(Value) -> Result<Value, String>) -> Outcome {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "custom-message", answer);
    let cognito = recorder::cognito(functions, config(json!({})));
    seed_user(&cognito, "alice", &[("email", "alice@example.com")]);
    let request = json!({"UserPoolId": POOL_ID, "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]});
    cognito.call("AdminUpdateUserAttributes", &request).await
}

fn branded(mut event: Value) -> Result<Value, String> {
    event["response"]["emailSubject"] = json!("Acme: confirm");
    event["response"]["emailMessage"] = json!("Your Acme code is {####}");
    Ok(event)
}

fn throws(_: Value) -> Result<Value, String> {
    Err("template store unreachable".into())
}

/// The panic text of `f`, which must panic.
fn panic_text(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the assertion fails");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn met_assertions_pass_and_hand_back_what_they_checked() {
    let outcome = email_change(branded).await;
    assert_eq!(outcome.assert_success(), &json!({}));
    outcome.assert_rule("custom-message.accepted");
    outcome.assert_message(json!({"destination": "new@example.com",
        "emailSubject": "Acme: confirm", "emailMessage": "Your Acme code is {####}"}));
}

#[tokio::test]
async fn a_rejected_call_reads_as_a_report() {
    let outcome = email_change(throws).await;
    outcome.assert_rejected(
        ErrorCode::UserLambdaValidationException,
        "CustomMessage failed with error template store unreachable.",
    );
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
    // The errorType lambda_runtime gives a boxed error (cognito-semantics.md §6.1).
    let error_type =
        "&alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>";
    assert_eq!(
        outcome.to_string(),
        format!(
            "AdminUpdateUserAttributes failed: UserLambdaValidationException: CustomMessage failed with error template store unreachable.\n\
             \x20 trigger CustomMessage_UpdateUserAttribute -> {arn}\n\
             \x20   verdict: rejected with UserLambdaValidationException by rule custom-message.function-error (assumed, §3.1, ruling 14): function error {error_type}\n\
             \x20   function error: {error_type} template store unreachable\n"
        )
    );
    let text = panic_text(|| {
        outcome.assert_success();
    });
    assert!(
        text.starts_with(
            "AdminUpdateUserAttributes did not do what the test expected\n  outcome:\n    expected: \"success\"\n    actual:   \"UserLambdaValidationException: CustomMessage failed with error template store unreachable.\"\n\nthe call:\nAdminUpdateUserAttributes failed:"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_message_that_differs_shows_the_json_diff_and_the_delivered_message() {
    let outcome = email_change(branded).await;
    let text = panic_text(|| {
        outcome.assert_message(json!({"emailSubject": "Acme: confirm your address"}));
    });
    assert!(
        text.contains(
            "  message:\n    expected: {\"emailSubject\":\"Acme: confirm your address\"}\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    | json atoms at path \".emailSubject\" are not equal:"),
        "{text}"
    );
    let code = outcome.delivered[0].code.clone().unwrap();
    assert!(
        text.contains(&format!(
            "  delivered EMAIL to new@example.com (alice, CustomMessage_UpdateUserAttribute) carrying {code}\n    subject: Acme: confirm\n    body: Your Acme code is {code}\n"
        )),
        "{text}"
    );
}
