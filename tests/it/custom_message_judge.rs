//! Cognito's verdict on a CustomMessage answer (§3, rulings 1, 8, 11, 12, 15): the exception and
//! message the caller sees, the rule id and grade behind it, and what was (not) delivered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cognito_harness::function::{BoxFuture, InvokeContext};
use cognito_harness::{Deadline, ErrorCode, Function, Invoked, Outcome, Payload, User};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::fixture::{admin_update, answering, returning, Fixture, NEW_EMAIL, OLD_EMAIL};

const EMAIL_PATTERN: &str =
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*";
const PHONE: &str = "+12065551234";

fn call(fx: &Fixture, request: Value) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fx.cognito.call("AdminUpdateUserAttributes", &request))
}

fn change_email(fx: &Fixture) -> Outcome {
    call(
        fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    )
}

fn change_phone(fx: &Fixture) -> Outcome {
    call(
        fx,
        admin_update(json!([{"Name": "phone_number", "Value": PHONE}])),
    )
}

/// Exception, message, rule id and grade of a rejected call.
fn rejected(out: &Outcome) -> (ErrorCode, String, &'static str, &'static str) {
    let e = out
        .error()
        .unwrap_or_else(|| panic!("expected an error, got {:?}", out.result));
    let verdict = out.verdict().expect("a verdict");
    assert_eq!(
        verdict.error(),
        Some(e),
        "the verdict carries the caller's exception"
    );
    (
        e.code,
        e.message.clone(),
        verdict.rule.id,
        verdict.rule.grade.as_str(),
    )
}

fn accepted_rule(out: &Outcome) -> (&'static str, &'static str) {
    assert!(out.is_success(), "{:?}", out.result);
    let verdict = out.verdict().expect("a verdict");
    assert!(verdict.is_accepted());
    (verdict.rule.id, verdict.rule.grade.as_str())
}

/// Ruling 11: a failed call leaves the user and the outbox as they were.
fn assert_unchanged(fx: &Fixture, before: &User) {
    assert_eq!(&fx.user("alice"), before);
    assert!(
        fx.outbox().is_empty(),
        "nothing is delivered: {:?}",
        fx.outbox()
    );
}

/// A fixture whose function answers `response`, for an e-mail change.
fn answering_email(response: Value) -> Fixture {
    let (function, _) = answering(response);
    Fixture::with(
        json!({"VerificationMessageTemplate": {
            "EmailMessage": "Template body {####}", "EmailSubject": "Template subject",
            "SmsMessage": "Template SMS {####}"}}),
        function,
    )
}

fn answering_sms(response: Value) -> Fixture {
    let (function, _) = answering(response);
    Fixture::with(
        json!({"AutoVerifiedAttributes": ["phone_number"],
               "VerificationMessageTemplate": {"SmsMessage": "Template SMS {####}"}}),
        function,
    )
}

fn invalid_parameter(
    message: String,
    rule: &'static str,
    grade: &'static str,
) -> (ErrorCode, String, &'static str, &'static str) {
    (ErrorCode::InvalidParameterException, message, rule, grade)
}

#[test]
fn null_fields_fall_back_to_the_pool_template() {
    let fx = answering_email(json!({}));
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.null-falls-back", "observed")
    );
    let sent = &fx.outbox()[0];
    let code = sent.code.clone().unwrap();
    assert_eq!(sent.subject.as_deref(), Some("Template subject"));
    assert_eq!(sent.body, format!("Template body {code}"));
    assert_eq!(out.delivered, fx.outbox());
}

#[test]
fn a_null_body_with_a_custom_subject_keeps_the_template_body() {
    let fx = answering_email(json!({"emailSubject": "Custom subject"}));
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.accepted", "documented")
    );
    let sent = &fx.outbox()[0];
    assert_eq!(sent.subject.as_deref(), Some("Custom subject"));
    assert_eq!(
        sent.body,
        format!("Template body {}", sent.code.as_ref().unwrap())
    );
}

#[test]
fn an_sms_answer_does_not_change_an_email_message() {
    let fx = answering_email(json!({"smsMessage": "SMS {####}"}));
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.null-falls-back", "observed")
    );
    assert!(fx.outbox()[0].body.starts_with("Template body "));
}

#[test]
fn a_body_without_the_code_placeholder_is_invalid_parameter() {
    let fx = answering_email(json!({"emailMessage": "Welcome back!"}));
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            format!(
                "1 validation error detected: Value 'Welcome back!' at 'emailBody' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: {EMAIL_PATTERN}"
            ),
            "custom-message.code-placeholder",
            "observed"
        )
    );
    assert_unchanged(&fx, &before);
}

#[test]
fn a_non_breaking_space_fails_although_the_code_is_there() {
    // amplify-js#6917: React rendered `<p> </p>` with U+00A0; Java's \s does not match it.
    let body = "<p>Your code: {####}</p><p>\u{a0}</p>";
    let fx = answering_email(json!({"emailMessage": body}));
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            format!(
                "1 validation error detected: Value '{body}' at 'emailBody' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: {EMAIL_PATTERN}"
            ),
            "custom-message.code-placeholder",
            "observed"
        )
    );
    assert_unchanged(&fx, &before);
    // The same body with an ordinary space is fine.
    let fx = answering_email(json!({"emailMessage": body.replace('\u{a0}', " ")}));
    assert_eq!(
        accepted_rule(&change_email(&fx)),
        ("custom-message.accepted", "documented")
    );
}

#[test]
fn an_email_body_over_20000_characters_is_invalid_parameter() {
    let body = format!("{{####}}{}", "x".repeat(20_000 - 6 + 1));
    assert_eq!(body.chars().count(), 20_001);
    let fx = answering_email(json!({"emailMessage": body}));
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            format!(
                "1 validation error detected: Value '{body}' at 'emailBody' failed to satisfy constraint: \
                 Member must have length less than or equal to 20000"
            ),
            "custom-message.length",
            "assumed"
        )
    );
    assert_unchanged(&fx, &before);
    // Ruling 8: counted before substitution, so exactly 20000 with the placeholder passes.
    let fx = answering_email(json!({"emailMessage": body[..body.len() - 1]}));
    assert_eq!(
        accepted_rule(&change_email(&fx)),
        ("custom-message.accepted", "documented")
    );
}

#[test]
fn an_email_subject_over_140_characters_is_invalid_parameter() {
    let subject = "S".repeat(141);
    let fx = answering_email(json!({"emailMessage": "Code {####}", "emailSubject": subject}));
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            format!(
                "1 validation error detected: Value '{subject}' at 'emailSubject' failed to satisfy constraint: \
                 Member must have length less than or equal to 140"
            ),
            "custom-message.length",
            "assumed"
        )
    );
}

#[test]
fn an_sms_over_140_characters_is_invalid_parameter() {
    let sms = format!("Code {{####}} {}", "y".repeat(141 - 12));
    assert_eq!(sms.chars().count(), 141);
    let fx = answering_sms(json!({"smsMessage": sms}));
    let before = fx.user("alice");
    let out = change_phone(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            format!(
                "1 validation error detected: Value '{sms}' at 'smsMessage' failed to satisfy constraint: \
                 Member must have length less than or equal to 140"
            ),
            "custom-message.length",
            "assumed"
        )
    );
    assert_unchanged(&fx, &before);
    let fx = answering_sms(json!({"smsMessage": "Your code is {####}"}));
    let out = change_phone(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.accepted", "documented")
    );
    let sent = &fx.outbox()[0];
    assert_eq!(
        sent.body,
        format!("Your code is {}", sent.code.as_ref().unwrap())
    );
    assert_eq!(
        (sent.destination.as_str(), sent.subject.as_deref()),
        (PHONE, None)
    );
}

#[test]
fn wrong_json_types_or_a_missing_response_are_unrecognizable() {
    let sub_cases = [
        json!({"version": "1", "response": {"emailMessage": 5}}),
        json!({"version": "1", "response": {"smsMessage": ["a"], "emailMessage": "Code {####}"}}),
        json!({"version": "1", "response": {"emailSubject": true}}),
        json!({"version": "1", "response": "Code {####}"}),
        json!({"version": "1", "response": null}),
        json!({"version": "1", "request": {}}),
        json!({}),
    ];
    for output in sub_cases {
        let fx = Fixture::with(json!({}), returning(output.clone()));
        let before = fx.user("alice");
        let out = change_email(&fx);
        assert_eq!(
            rejected(&out),
            (
                ErrorCode::InvalidLambdaResponseException,
                "Unrecognizable lambda output".to_string(),
                "output.unrecognizable",
                "assumed"
            ),
            "{output}"
        );
        assert_unchanged(&fx, &before);
    }
}

#[test]
fn null_or_non_object_output_is_invalid_json() {
    for output in [
        json!(null),
        json!([1, 2]),
        json!("Code {####}"),
        json!(42),
        json!(true),
    ] {
        let fx = Fixture::with(json!({}), returning(output.clone()));
        let before = fx.user("alice");
        let out = change_email(&fx);
        assert_eq!(
            rejected(&out),
            (
                ErrorCode::InvalidLambdaResponseException,
                "Invalid lambda function output : Invalid JSON".to_string(),
                "output.invalid-json",
                "assumed"
            ),
            "{output}"
        );
        assert_unchanged(&fx, &before);
    }
}

/// A function answering with raw bytes, as a process or an HTTP endpoint may.
struct RawOutput(&'static [u8]);

impl Function for RawOutput {
    fn invoke<'a>(&'a self, _: &'a Value, _: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move { Invoked::Output(Payload::Bytes(Bytes::from_static(self.0))) })
    }
}

#[test]
fn non_json_bytes_are_invalid_json_and_json_bytes_are_judged() {
    let fx = Fixture::with(json!({}), RawOutput(b"<html>502 Bad Gateway</html>"));
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        (
            ErrorCode::InvalidLambdaResponseException,
            "Invalid lambda function output : Invalid JSON".to_string(),
            "output.invalid-json",
            "assumed"
        )
    );
    let fx = Fixture::with(
        json!({}),
        RawOutput(br#"{"response":{"emailMessage":"Raw {####}"}}"#),
    );
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.accepted", "documented")
    );
    assert!(fx.outbox()[0].body.starts_with("Raw "));
}

#[test]
fn every_code_placeholder_is_replaced() {
    let fx = answering_email(json!({
        "emailMessage": "Code {####}. Again: {####}. Once more: <b>{####}</b>",
        "emailSubject": "Your code"
    }));
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.accepted", "documented")
    );
    let sent = &fx.outbox()[0];
    let code = sent.code.clone().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(
        sent.body,
        format!("Code {code}. Again: {code}. Once more: <b>{code}</b>")
    );
    assert!(!sent.body.contains("{####}"));
}

#[test]
fn no_answer_within_the_deadline_is_a_socket_timeout_after_every_attempt() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let slow = cognito_harness::handler(service_fn(move |e: LambdaEvent<Value>| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok::<Value, lambda_runtime::Error>(e.payload)
        }
    }));
    let mut fx = Fixture::with(json!({}), slow);
    fx.cognito.set_deadline(Deadline {
        per_attempt: Duration::from_millis(40),
        attempts: 3,
    });
    let before = fx.user("alice");
    let started = std::time::Instant::now();
    let out = change_email(&fx);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "gives up after 3 × 40 ms"
    );
    assert_eq!(
        rejected(&out),
        (
            ErrorCode::UnexpectedLambdaException,
            "CustomMessage invocation failed due to error Socket timeout while invoking Lambda function.".to_string(),
            "invoke.timeout",
            "assumed"
        )
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(out.triggers[0].invocation.as_ref().unwrap().attempts, 3);
    assert_eq!(
        out.triggers[0].invocation.as_ref().unwrap().result,
        Invoked::TimedOut
    );
    assert_unchanged(&fx, &before);
}

#[test]
fn an_arn_without_a_function_is_access_denied() {
    let fx = Fixture::new(json!({}), None);
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        (
            ErrorCode::UnexpectedLambdaException,
            "CustomMessage invocation failed due to error AccessDeniedException.".to_string(),
            "invoke.access-denied",
            "observed"
        )
    );
    assert!(out.triggers[0].invocation.is_none());
    assert_unchanged(&fx, &before);
}

#[test]
fn without_a_trigger_the_pool_template_is_sent() {
    let fx = Fixture::new(
        json!({"LambdaConfig": null,
               "VerificationMessageTemplate": {"EmailMessage": "Plain {####}", "EmailSubject": "Plain"}}),
        None,
    );
    let out = change_email(&fx);
    assert_eq!(
        accepted_rule(&out),
        ("custom-message.pool-template", "documented")
    );
    let sent = &fx.outbox()[0];
    assert_eq!(sent.body, format!("Plain {}", sent.code.as_ref().unwrap()));
    assert!(out.triggers[0].event.is_none());
}

#[test]
fn a_failed_trigger_leaves_a_pending_value_unset() {
    let (function, _) = answering(json!({"emailMessage": "no placeholder"}));
    let fx = Fixture::with(
        json!({"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}}),
        function,
    );
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        out.error().map(|e| e.code),
        Some(ErrorCode::InvalidParameterException)
    );
    assert_unchanged(&fx, &before);
    assert!(fx.user("alice").pending.is_empty());
    assert_eq!(fx.user("alice").attribute("email"), Some(OLD_EMAIL));
    // Other attributes of the same request are not stored either.
    let out = call(
        &fx,
        admin_update(
            json!([{"Name": "name", "Value": "Changed"}, {"Name": "email", "Value": NEW_EMAIL}]),
        ),
    );
    assert!(!out.is_success());
    assert_eq!(fx.user("alice").attribute("name"), Some("Alice"));
}

#[test]
fn an_empty_body_is_the_message_is_empty() {
    let fx = answering_email(json!({"emailMessage": ""}));
    let before = fx.user("alice");
    let out = change_email(&fx);
    assert_eq!(
        rejected(&out),
        invalid_parameter(
            "The message is empty.".into(),
            "custom-message.empty",
            "assumed"
        )
    );
    assert_unchanged(&fx, &before);
    let sms = answering_sms(json!({"smsMessage": ""}));
    assert_eq!(rejected(&change_phone(&sms)).1, "The message is empty.");
}
