//! The `cognito-harness` binary, run as a user runs it: scenario files in a temp dir, exit codes,
//! the summary line, JSON and JUnit reports, bad-input messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_json_diff::assert_json_include;
use cognito_harness::{exit, samples, TriggerSource};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
const ALL_SOURCES: [&str; 14] = [
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication",
    "PreSignUp_SignUp",
    "PreSignUp_AdminCreateUser",
    "PreSignUp_ExternalProvider",
    "PostConfirmation_ConfirmSignUp",
    "PostConfirmation_ConfirmForgotPassword",
    "PreAuthentication_Authentication",
    "PostAuthentication_Authentication",
];

/// A fresh directory under the system temp dir.
fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A pool whose CustomMessage ARN points at `function` (or no trigger at all).
fn pool(function: Option<&str>) -> Value {
    let mut pool = json!({"AutoVerifiedAttributes": ["email"]});
    if let Some(f) = function {
        pool["LambdaConfig"] =
            json!({"CustomMessage": format!("arn:aws:lambda:us-east-1:123456789012:function:{f}")});
    }
    pool
}

fn alice() -> Value {
    json!({"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}]})
}

fn email_change(expect: Value) -> Value {
    json!({"action": "AdminUpdateUserAttributes",
           "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
           "expect": expect})
}

fn scenario(pool: Value, steps: Vec<Value>) -> String {
    json!({"name": "t", "pool": pool, "users": [alice()], "steps": steps}).to_string()
}

#[test]
fn met_expectations_exit_0_with_the_summary_line() {
    let dir = temp_dir();
    write(
        &dir,
        "ok.json",
        &scenario(
            pool(None),
            vec![email_change(json!({
        "outcome": "success", "rule": "custom-message.pool-template",
        "message": {"deliveryMedium": "EMAIL", "destination": "new@example.com", "triggerSource": "CustomMessage_UpdateUserAttribute"}}))],
        ),
    );
    let out = run(&dir, &["check", "."]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 0 failed"));
}

#[test]
fn an_unmet_expectation_exits_1_and_shows_expected_actual_rule_and_diff() {
    let dir = temp_dir();
    write(
        &dir,
        "a-ok.json",
        &scenario(
            pool(None),
            vec![email_change(json!({"outcome": "success"}))],
        ),
    );
    write(
        &dir,
        "b-bad.json",
        &scenario(
            pool(Some("not-bound")),
            vec![email_change(json!({
        "outcome": "success", "message": {"emailSubject": "Welcome"}}))],
        ),
    );
    let out = run(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(exit::EXPECTATION_FAILED));
    let text = stdout(&out);
    assert!(text.contains("outcome   expected success"), "{text}");
    assert!(
        text.contains("actual   UnexpectedLambdaException: CustomMessage invocation failed due to error AccessDeniedException."),
        "{text}"
    );
    assert!(
        text.contains(
            "rule      invoke.access-denied (observed, §3.3) on CustomMessage_UpdateUserAttribute"
        ),
        "{text}"
    );
    assert!(
        text.contains("message   expected {\"emailSubject\":\"Welcome\"}"),
        "{text}"
    );
    assert!(text.contains("no message was delivered"), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn json_and_junit_reports_carry_the_counts() {
    let dir = temp_dir();
    write(
        &dir,
        "a-ok.json",
        &scenario(
            pool(None),
            vec![email_change(json!({"outcome": "success"}))],
        ),
    );
    write(
        &dir,
        "b-bad.json",
        &scenario(
            pool(None),
            vec![
                email_change(json!({"outcome": "InvalidParameterException"})),
                email_change(json!({"outcome": "success"})),
            ],
        ),
    );
    let out = run(&dir, &["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(exit::EXPECTATION_FAILED));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_json_include!(actual: report, expected: json!({
        "summary": {"passed": 1, "failed": 1, "harnessFailures": 0},
        "scenarios": [
            {"status": "passed", "steps": [{"status": "passed", "actual": {"outcome": "success"}}]},
            {"status": "failed", "steps": [
                {"status": "failed", "mismatches": [{"field": "outcome", "expected": "InvalidParameterException", "actual": "success"}],
                 "verdict": {"rule": "custom-message.pool-template", "grade": "documented"}},
                {"status": "skipped"}]}]}));

    let junit = dir.join("junit.xml");
    let out = run(
        &dir,
        &[
            "check",
            ".",
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(exit::EXPECTATION_FAILED));
    assert!(out.stdout.is_empty());
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains(
            r#"<testsuites name="cognito-harness" tests="3" skipped="1" failures="1" errors="0""#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"<failure message="expectation not met: outcome" type="ExpectationFailed">"#
        ),
        "{xml}"
    );
    assert!(xml.contains("<skipped"), "{xml}");
}

#[test]
fn bad_input_is_one_line_naming_file_and_json_path_exit_2() {
    let cases: Vec<(&str, String, String)> = vec![
        (
            "outcome.json",
            scenario(pool(None), vec![email_change(json!({"outcome": "Success"}))]),
            "at $.steps[0].expect.outcome: expected `success` or an exception name such as UserLambdaValidationException, not `Success`".into(),
        ),
        (
            "action.json",
            scenario(pool(None), vec![json!({"action": "AdminUpdateUserAttribute", "request": {}})]),
            "at $.steps[0].action: expected an API action the harness replays (such as AdminUpdateUserAttributes), not `AdminUpdateUserAttribute`".into(),
        ),
        (
            "ref.json",
            scenario(pool(None), vec![json!({"action": "DescribeUserPool", "request": {"UserPoolId": "$pol"}})]),
            "at $.steps[0].request.UserPoolId: expected a reference ($pool, $client, $client.<name>, $token.<username>, $refresh.<username>, $code.<username>, $totp.<username> or $session ($$ for a literal $)), not `$pol`".into(),
        ),
        (
            "session.json",
            scenario(pool(None), vec![json!({"action": "RespondToAuthChallenge",
                "request": {"ClientId": "$client", "ChallengeName": "CUSTOM_CHALLENGE", "Session": "$session"}})]),
            "at $.steps[0].request.Session: expected an earlier step whose response has a `Session` (a challenge); the previous step's has none".into(),
        ),
        (
            "code.json",
            scenario(pool(None), vec![json!({"action": "AdminUpdateUserAttributes",
                "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [], "ClientMetadata": {"c": "$code.alice"}}})]),
            "at $.steps[0].request.ClientMetadata.c: expected a message delivered to `alice` by an earlier step; none was".into(),
        ),
        (
            "typo.json",
            json!({"pool": {}, "steps": [{"action": "DescribeUserPool", "expct": {}}]}).to_string(),
            "at $.steps[0].expct: unknown field `expct`, expected one of `action`, `request`, `expect`, `awsSdkVersion`, `comment` at line 1 column 56".into(),
        ),
        (
            "pool.json",
            json!({"pool": {"AutoVerifiedAttributes": "email"}, "steps": [{"action": "DescribeUserPool"}]}).to_string(),
            "at $.pool.AutoVerifiedAttributes: invalid type: string \"email\", expected a sequence".into(),
        ),
        (
            "attr.json",
            json!({"pool": {}, "users": [{"Username": "bob", "UserAttributes": [{"Name": "plan", "Value": "x"}]}], "steps": [{"action": "DescribeUserPool"}]}).to_string(),
            "at $.users[0].UserAttributes[0].Name: expected an attribute of the pool's schema; `plan` is not one".into(),
        ),
    ];
    for (name, content, expected) in cases {
        let dir = temp_dir();
        write(&dir, name, &content);
        let out = run(&dir, &["check", name]);
        assert_eq!(
            out.status.code(),
            Some(exit::INPUT_ERROR),
            "{name}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        let err = stderr(&out);
        assert_eq!(err, format!("error: {name}: {expected}\n"), "{name}");
    }
}

#[test]
fn bad_flags_and_bad_config_exit_2() {
    let dir = temp_dir();
    let out = run(&dir, &["check", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
    assert!(
        stderr(&out).contains("invalid value 'xml' for '--format <FORMAT>'"),
        "{}",
        stderr(&out)
    );

    write(&dir, "h.toml", "[functions.f]\nurl = 3\n");
    let out = run(&dir, &["check", "--config", "h.toml"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
    assert!(
        stderr(&out).starts_with(
            "error: h.toml: at functions.f.url: invalid type: integer `3`, expected a string"
        ),
        "{}",
        stderr(&out)
    );

    let out = run(&dir, &["check", "--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
    assert!(
        stderr(&out).starts_with("error: missing.toml: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_function_the_harness_cannot_start_exits_3() {
    let dir = temp_dir();
    write(
        &dir,
        "cognito-harness.toml",
        "[functions.gone]\ncommand = [\"./no-such-binary\"]\n",
    );
    write(
        &dir,
        "s.json",
        &scenario(
            pool(Some("gone")),
            vec![email_change(json!({"outcome": "success"}))],
        ),
    );
    let out = run(&dir, &["check", "s.json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::HARNESS_FAILURE),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.starts_with("ERROR"), "{text}");
    assert!(text.contains("could not run the function:"), "{text}");
    assert_eq!(text.lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn a_build_step_that_fails_exits_3() {
    let dir = temp_dir();
    write(
        &dir,
        "cognito-harness.toml",
        "[functions.f]\ncommand = [\"./f\"]\nbuild = [\"false\"]\n",
    );
    write(
        &dir,
        "s.json",
        &scenario(
            pool(Some("f")),
            vec![email_change(json!({"outcome": "success"}))],
        ),
    );
    let out = run(&dir, &["check", "s.json"]);
    assert_eq!(out.status.code(), Some(exit::HARNESS_FAILURE));
    assert!(
        stderr(&out).starts_with("error: could not run function `false`: build command failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn references_resolve_to_pool_clients_tokens_and_codes() {
    let dir = temp_dir();
    let content = json!({
    "pool": pool(None), "users": [alice()], "clients": ["web", "mobile"],
    "steps": [
        {"action": "UpdateUserAttributes",
         "request": {"AccessToken": "$token.alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
         "expect": {"outcome": "success", "response": {"CodeDeliveryDetailsList": [{"Destination": "n***@e***"}]}}},
        {"action": "AdminUpdateUserAttributes",
         "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "third@example.com"}],
                     "ClientMetadata": {"code": "$code.alice", "web": "$client", "mobile": "$client.mobile", "literal": "$$pool"}},
         "expect": {"outcome": "success"}}
    ]});
    write(&dir, "refs.json", &content.to_string());
    let out = run(&dir, &["check", "refs.json", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = &report["scenarios"][0]["steps"];
    let delivered_code = steps[0]["actual"]["delivered"][0]["code"].as_str().unwrap();
    assert_eq!(delivered_code.len(), 6);
    let metadata = &steps[1]["request"]["ClientMetadata"];
    assert_eq!(metadata["code"], delivered_code);
    assert_eq!(metadata["literal"], "$pool");
    let (web, mobile) = (
        metadata["web"].as_str().unwrap(),
        metadata["mobile"].as_str().unwrap(),
    );
    assert_ne!(web, mobile);
    assert!(web.len() == 26 && mobile.len() == 26, "{web} {mobile}");
    assert!(steps[1]["request"]["UserPoolId"]
        .as_str()
        .unwrap()
        .starts_with("us-east-1_"));
    assert!(
        steps[0]["request"]["AccessToken"]
            .as_str()
            .unwrap()
            .split('.')
            .count()
            == 3
    );
}

#[test]
fn events_prints_a_realistic_event_for_every_source() {
    let dir = temp_dir();
    for source in ALL_SOURCES {
        let out = run(
            &dir,
            &[
                "events",
                source,
                "--client-metadata",
                "brand=acme",
                "--client-metadata",
                "k=v=w",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(exit::OK),
            "{source}: {}",
            stderr(&out)
        );
        let event: Value = serde_json::from_slice(&out.stdout).unwrap();
        // The CLI prints the library's sample, which carries clientMetadata only where Cognito
        // forwards it (table 2.1) and says so on stderr otherwise.
        let source = TriggerSource::from_name(source).unwrap();
        let metadata: serde_json::Map<String, Value> = [("brand", "acme"), ("k", "v=w")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .collect();
        assert_eq!(event, samples::sample_event(source, Some(&metadata)));
        // PreAuthentication gets a sign-in's ClientMetadata as `validationData` (§AT.2).
        let forwarded = event["request"].get("clientMetadata").is_some()
            || (source == TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION
                && event["request"]["validationData"] == Value::Object(metadata.clone()));
        assert_eq!(forwarded, source.forwards_client_metadata(), "{source}");
        assert_eq!(
            stderr(&out).contains("does not pass ClientMetadata"),
            !forwarded
        );
    }
    // Without --client-metadata there is no clientMetadata key at all (§1.2).
    let out = run(&dir, &["events", "customMessage_signUp"]);
    let event: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(event["request"].get("clientMetadata").is_none());
    let out = run(&dir, &["events", "CustomMessage_NoSuchSource"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
}

/// The workspace's own trigger binaries (debug profile), built on demand through the binding's
/// `build` step: the path users take.
pub(crate) fn trigger_config(dir: &Path, trigger: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let binary = Path::new(BIN).with_file_name(trigger);
    let config = format!(
        "[functions.{trigger}]\ncommand = [\"{}\"]\nbuild = [\"cargo\", \"build\", \"--quiet\", \"--manifest-path\", \"{root}/Cargo.toml\", \"-p\", \"{trigger}\"]\n",
        binary.display()
    );
    write(dir, "cognito-harness.toml", &config);
}

#[test]
fn real_trigger_processes_are_judged_and_replayed() {
    let dir = temp_dir();
    trigger_config(&dir, "trigger-throws");
    write(
        &dir,
        "s.json",
        &scenario(
            pool(Some("trigger-throws")),
            vec![email_change(json!({
        "outcome": "UserLambdaValidationException",
        "message": "CustomMessage failed with error boom: the trigger failed on purpose.",
        "rule": "custom-message.function-error"}))],
        ),
    );
    let out = run(&dir, &["check", "s.json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    let out = run(&dir, &["replay", "s.json"]);
    assert_eq!(out.status.code(), Some(exit::OK));
    let text = stdout(&out);
    assert!(
        text.contains("step 1 AdminUpdateUserAttributes: met"),
        "{text}"
    );
    assert!(
        text.contains(r#"event    {"version":"1","region":"us-east-1""#),
        "{text}"
    );
    assert!(
        text.contains(r#""errorMessage":"boom: the trigger failed on purpose"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""rule":"custom-message.function-error""#),
        "{text}"
    );

    // `invoke`: one event through the bound function.
    let event = run(&dir, &["events", "CustomMessage_SignUp"]).stdout;
    let event_file = dir.join("event.json");
    std::fs::write(&event_file, event).unwrap();
    let out = run(
        &dir,
        &[
            "invoke",
            "--event",
            "event.json",
            "--function",
            "trigger-throws",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(exit::EXPECTATION_FAILED),
        "{}",
        stderr(&out)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_json_include!(actual: shown, expected: json!({"verdict": {
        "outcome": "UserLambdaValidationException", "rule": "custom-message.function-error",
        "message": "CustomMessage failed with error boom: the trigger failed on purpose."}}));
}

#[test]
fn steps_after_delete_user_pool_get_resource_not_found_not_a_panic() {
    // Issue 5 item 7: no panic from a scenario file. A step after DeleteUserPool of the scenario's
    // own pool is answered like AWS would (ResourceNotFoundException), and `$pool` still names it.
    let dir = temp_dir();
    write(
        &dir,
        "deleted.json",
        &scenario(
            pool(None),
            vec![
                json!({"action": "DeleteUserPool", "request": {"UserPoolId": "$pool"}, "expect": {"outcome": "success"}}),
                json!({"action": "AdminGetUser", "request": {"UserPoolId": "$pool", "Username": "alice"},
                       "expect": {"outcome": "ResourceNotFoundException"}}),
            ],
        ),
    );
    let out = run(&dir, &["check", "deleted.json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 0 failed"));
}

#[test]
fn invoke_judges_a_pre_authentication_answer_by_its_own_rules() {
    let dir = temp_dir();
    trigger_config(&dir, "pre-authentication-deny");
    // The sample user's e-mail is verified: the sign-in may go on.
    let event = run(&dir, &["events", "PreAuthentication_Authentication"]).stdout;
    std::fs::write(dir.join("event.json"), &event).unwrap();
    let invoke = [
        "invoke",
        "--event",
        "event.json",
        "--function",
        "pre-authentication-deny",
    ];
    let out = run(&dir, &invoke);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_json_include!(actual: shown, expected: json!({"verdict": {
        "triggerSource": "PreAuthentication_Authentication", "outcome": "success",
        "rule": "pre-authentication.accepted", "grade": "documented"}}));

    // An unverified e-mail: the function denies the sign-in.
    let mut event: Value = serde_json::from_slice(&event).unwrap();
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    std::fs::write(dir.join("event.json"), event.to_string()).unwrap();
    let out = run(&dir, &invoke);
    assert_eq!(out.status.code(), Some(exit::EXPECTATION_FAILED));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_json_include!(actual: shown, expected: json!({"verdict": {
        "outcome": "UserLambdaValidationException", "rule": "function-error",
        "message": "PreAuthentication failed with error Email not verified."}}));
}
