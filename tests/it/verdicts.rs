//! Every broken example trigger in triggers/, run as a real process behind the Runtime API the
//! harness hosts, gets Cognito's exact verdict on an AdminUpdateUserAttributes that fires
//! CustomMessage_UpdateUserAttribute; the same answers through an HTTP Invoke endpoint get the
//! same verdicts. A failed call changes nothing (ruling 11).

use std::time::Duration;

use cognito_harness::{Deadline, ErrorCode, Function, HttpFunction, Outcome, ProcessFunction};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::fixture::{admin_update, Fixture, NEW_EMAIL, OLD_EMAIL};
use crate::support;

const EMAIL_PATTERN: &str =
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*";

/// A deadline no machine load reaches, for functions that answer.
const ANSWERS: Duration = Duration::from_secs(60);
/// A short deadline, for the function that never answers: it times out however busy the machine.
const NEVER_ANSWERS: Duration = Duration::from_millis(300);

/// Runs the e-mail change against `function` bound as the pool's CustomMessage trigger, with
/// Cognito's deadline shortened to `per_attempt` (2 attempts).
async fn change_email_with(
    function: impl Function + 'static,
    per_attempt: Duration,
) -> (Fixture, Outcome) {
    let mut fx = Fixture::with(json!({}), function);
    fx.cognito.set_deadline(Deadline {
        per_attempt,
        attempts: 2,
    });
    let outcome = fx
        .cognito
        .call(
            "AdminUpdateUserAttributes",
            &admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
        )
        .await;
    (fx, outcome)
}

fn process(trigger: &str) -> ProcessFunction {
    ProcessFunction::new(
        "custom-message",
        [support::trigger(trigger).display().to_string()],
    )
}

/// The exception, message, rule and grade the caller gets; and nothing changed.
fn verdict(fx: &Fixture, outcome: &Outcome) -> (ErrorCode, String, &'static str, &'static str) {
    assert_eq!(
        fx.user("alice").attribute("email"),
        Some(OLD_EMAIL),
        "the stored e-mail is unchanged"
    );
    assert!(fx.outbox().is_empty(), "nothing is delivered");
    let error = outcome.error().expect("the call fails");
    let rule = outcome.verdict().expect("a verdict").rule;
    (
        error.code,
        error.message.clone(),
        rule.id,
        rule.grade.as_str(),
    )
}

#[tokio::test]
async fn each_broken_trigger_process_gets_its_exact_verdict() {
    // What triggers/custom-message-too-long returns: 20,001 characters with the code.
    let code = "Your code is {####}.";
    let too_long = format!("{code}{}", "x".repeat(20_001 - code.len()));
    let cases: Vec<(&str, ErrorCode, String, &str, &str)> = vec![
        ("trigger-throws", ErrorCode::UserLambdaValidationException,
         "CustomMessage failed with error boom: the trigger failed on purpose.".into(), "custom-message.function-error", "assumed"),
        ("trigger-panics", ErrorCode::UserLambdaValidationException,
         "CustomMessage failed with error Lambda panicked: the trigger panicked on purpose.".into(), "custom-message.function-error", "assumed"),
        ("trigger-returns-null", ErrorCode::InvalidLambdaResponseException,
         "Invalid lambda function output : Invalid JSON".into(), "output.invalid-json", "assumed"),
        ("trigger-returns-non-event", ErrorCode::InvalidLambdaResponseException,
         "Unrecognizable lambda output".into(), "output.unrecognizable", "assumed"),
        ("trigger-wrong-types", ErrorCode::InvalidLambdaResponseException,
         "Unrecognizable lambda output".into(), "output.unrecognizable", "assumed"),
        ("custom-message-drops-code", ErrorCode::InvalidParameterException,
         format!("1 validation error detected: Value 'Welcome! Your code is on its way.' at 'emailBody' failed to satisfy constraint: Member must satisfy regular expression pattern: {EMAIL_PATTERN}"),
         "custom-message.code-placeholder", "observed"),
        ("custom-message-too-long", ErrorCode::InvalidParameterException,
         format!("1 validation error detected: Value '{too_long}' at 'emailBody' failed to satisfy constraint: Member must have length less than or equal to 20000"),
         "custom-message.length", "assumed"),
        ("trigger-hangs", ErrorCode::UnexpectedLambdaException,
         "CustomMessage invocation failed due to error Socket timeout while invoking Lambda function.".into(), "invoke.timeout", "assumed"),
    ];
    for (trigger, code, message, rule, grade) in cases {
        let deadline = if trigger == "trigger-hangs" {
            NEVER_ANSWERS
        } else {
            ANSWERS
        };
        let (fx, outcome) = change_email_with(process(trigger), deadline).await;
        let got = verdict(&fx, &outcome);
        // Compare long messages by length and ends so a failure stays readable.
        let short = |m: &str| {
            format!(
                "{}…{} ({} chars)",
                &m[..m.len().min(120)],
                &m[m.len().saturating_sub(80)..],
                m.len()
            )
        };
        assert_eq!(
            (got.0, short(&got.1), got.2, got.3),
            (code, short(&message), rule, grade),
            "{trigger}"
        );
        assert_eq!(got.1, message, "{trigger}");
    }
}

#[tokio::test]
async fn a_process_that_exits_is_a_runtime_exit_error() {
    let (fx, outcome) = change_email_with(process("trigger-exits"), ANSWERS).await;
    let (code, message, rule, grade) = verdict(&fx, &outcome);
    assert_eq!(
        (code, rule, grade),
        (
            ErrorCode::UserLambdaValidationException,
            "invoke.runtime-exit",
            "assumed"
        )
    );
    let request_id = message
        .strip_prefix("CustomMessage failed with error RequestId: ")
        .and_then(|rest| rest.strip_suffix(" Error: Runtime exited with error: exit status 3."))
        .unwrap_or_else(|| panic!("unexpected message {message:?}"));
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
}

#[tokio::test]
async fn the_same_answers_through_an_invoke_endpoint_get_the_same_verdicts() {
    let error = json!({"errorType": "Error", "errorMessage": "boom"});
    let cases = vec![
        // Lambda and sam local: 200 with X-Amz-Function-Error.
        (
            ResponseTemplate::new(200)
                .insert_header("X-Amz-Function-Error", "Unhandled")
                .set_body_json(&error),
            ErrorCode::UserLambdaValidationException,
            "CustomMessage failed with error boom.",
        ),
        // cargo lambda watch: 500.
        (
            ResponseTemplate::new(500).set_body_json(&error),
            ErrorCode::UserLambdaValidationException,
            "CustomMessage failed with error boom.",
        ),
        (
            ResponseTemplate::new(200).set_body_string("null"),
            ErrorCode::InvalidLambdaResponseException,
            "Invalid lambda function output : Invalid JSON",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
            ErrorCode::InvalidLambdaResponseException,
            "Unrecognizable lambda output",
        ),
    ];
    for (response, code, message) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2015-03-31/functions/custom-message/invocations"))
            .respond_with(response)
            .mount(&server)
            .await;
        let function =
            HttpFunction::endpoint(&server.uri(), "custom-message").expect("a valid URL");
        let (fx, outcome) = change_email_with(function, ANSWERS).await;
        let (got_code, got_message, _, _) = verdict(&fx, &outcome);
        assert_eq!((got_code, got_message.as_str()), (code, message));
    }
}

/// A Runtime API client (plain Python, no runtime library) that answers every event with a
/// 7 MB object: more than Lambda's 6 MB response limit.
const OVERSIZED_ANSWER: &str = r#"
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.load(r)
    event["padding"] = "x" * (7 * 1024 * 1024)
    body = json.dumps(event).encode()
    try:
        urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body))
    except urllib.error.HTTPError:
        pass
"#;

#[tokio::test]
async fn an_answer_over_lambdas_limit_is_lambdas_error_under_a_ruling() {
    let function = ProcessFunction::new("custom-message", ["python3", "-c", OVERSIZED_ANSWER]);
    // A deadline no machine load reaches: building 7 MB in Python is slow on a busy machine.
    let mut fx = Fixture::with(json!({}), function);
    fx.cognito.set_deadline(Deadline {
        per_attempt: Duration::from_secs(60),
        attempts: 1,
    });
    let outcome = fx
        .cognito
        .call(
            "AdminUpdateUserAttributes",
            &admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
        )
        .await;
    let (code, message, rule, grade) = verdict(&fx, &outcome);
    assert_eq!(
        (code, rule, grade),
        (
            ErrorCode::UserLambdaValidationException,
            "invoke.response-too-large",
            "assumed"
        )
    );
    // Lambda's message ends with a period and Cognito's format adds its own.
    assert_eq!(
        message,
        "CustomMessage failed with error Response payload size exceeded maximum allowed payload size (6291556 bytes).."
    );
}
